/**
 * Numbers the p-diff paper reports in its text for its Table-2 ablations (ResNet-18 on CIFAR-100,
 * K = 200), by ablation and setting: the generated models' mean test accuracy (%).
 */
export const PAPER_GENERATED_MEAN: Record<string, Record<string, number>> = { noise: { both: 72.4, none: 65.8 } };

/** The ablation contrasts the paper draws, each as setting a − setting b (b: the paper's recipe). */
export const PAPER_CONTRASTS = [
  { ablation: 'noise', a: 'none', b: 'both', claim: 'noise augmentation helps' },
  { ablation: 'snapshots', a: 'K = 1', b: 'K = 200', claim: 'more snapshots give better and more varied models' },
] as const;
