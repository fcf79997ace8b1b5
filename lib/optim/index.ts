export { Optimizer, defaultSgdConfig, defaultAdamWConfig } from './optimizer';
export type { OptimizerConfig, OptimizerState } from './optimizer';
export { learningRateAt } from './schedule';
export type { LrSchedule } from './schedule';
export { minimize } from './minimize';
