import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/globalSetup.ts'],
    setupFiles: ['test/support/env.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
