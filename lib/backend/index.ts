export { initBackend, describeBackend, forcedBackend, loadBackend, childBackendEnv, BACKEND_NAMES } from './select';
export type { BackendName, BackendInfo } from './select';
export { registerWasmTrainingKernels } from './wasm-training-kernels';
