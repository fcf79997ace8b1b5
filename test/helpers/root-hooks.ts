// Every test file runs on the backend the library would choose (wasm here), initialised first.
import { initBackend } from '../../lib/backend';

export const mochaHooks = {
  async beforeAll(): Promise<void> {
    await initBackend();
  },
};
