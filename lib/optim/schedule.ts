/** Learning-rate schedules as pure functions of the epoch (fractional within an epoch). */
export type LrSchedule =
  | { kind: 'constant' }
  /** lr · gamma^(number of milestones ≤ epoch): e.g. milestones [2], gamma 0.1 = ×0.1 from epoch 2 on. */
  | { kind: 'step'; milestones: number[]; gamma: number }
  /** Cosine decay from lr to lr·minFactor over `epochs`. */
  | { kind: 'cosine'; epochs: number; minFactor: number };

export function learningRateAt(baseLr: number, schedule: LrSchedule, epoch: number): number {
  switch (schedule.kind) {
    case 'constant':
      return baseLr;
    case 'step':
      return baseLr * schedule.gamma ** schedule.milestones.filter((m) => epoch >= m).length;
    case 'cosine': {
      const t = Math.min(epoch / schedule.epochs, 1);
      const factor = schedule.minFactor + (1 - schedule.minFactor) * 0.5 * (1 + Math.cos(Math.PI * t));
      return baseLr * factor;
    }
  }
}
