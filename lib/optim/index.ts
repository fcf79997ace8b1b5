export { Optimizer, defaultSgdConfig, defaultAdamWConfig } from './optimizer';
export type { OptimizerConfig, OptimizerState } from './optimizer';
export { learningRateAt } from './schedule';
export type { LrSchedule } from './schedule';
export { minimize, minimizeChecked } from './minimize';
export { FiniteGuard, checkFiniteVariables } from './finite-guard';
export { saveTrainState, loadTrainState, restoreTrainState } from './train-state';
export type { TrainCheckpoint, TrainState, AveragesState, LossPoint } from './train-state';
