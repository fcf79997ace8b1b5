/**
 * BEND (arXiv 2403.15766): generated models of a p-diff generator as the members of an ensemble
 * (sBEND, aBEND, vote), the protocol (`run`) against single models, the snapshot ensemble and a
 * deep ensemble, and the report. The definitions of sBEND and aBEND are ours (lib/ensemble).
 */
export { BendPipeline } from './pipeline';
export type { MemberOutputsOnSplits } from './pipeline';
export { run } from './run';
export type { RunOptions } from './run';
export { preset, defaultBendOptions } from './config';
export type { BendConfig } from './config';
export type { BendResults, BendCurve, MethodScore, SplitScores, CurveSeries, MemberDiversity, MemberAccuracies } from './results';
export { scoreBend, scoreEnsemble, chooseTau, chooseTopK, bendCurve } from './scores';
export type { BendOutputs, SplitLabels } from './scores';
export * as report from './report';
