export { computeFeatures } from './features';
export { evaluateVectors, defaultEvaluateVectorsOptions } from './evaluate-vectors';
export type { VectorEvaluation, EvaluateVectorsOptions } from './evaluate-vectors';
export { summarizeAccuracy, median, mean, std, argmaxFirst, minMeanMax } from './stats';
export type { AccuracySummary } from './stats';
export { wrongSet, iou, maxIoU } from './novelty';
export { addGaussianNoise, weightAverage } from './baselines';
