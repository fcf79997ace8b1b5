/** Progress of a long stage: step of total, with whatever metrics the stage reports. */
export type ProgressFn = (stage: string, step: number, total: number, metrics: Record<string, number>) => void;
