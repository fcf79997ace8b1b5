/**
 * How far models trained together (lib/models/train-together) may end from the same models
 * trained alone, per weight and BN statistic (max abs difference): the two may sum floats in
 * another order (the tfjs fallbacks on wasm and cpu). Measured: 0 on native (each model's slice
 * runs the single-model kernels), 2e-6 on wasm after 26 steps of ConvNet-S.
 */
export const TOGETHER_TOLERANCE = 1e-4;
