import { defineConfig } from 'vitest/config'
import { JSX_OPTIONS } from './webui/vite.config'

// One `vitest run` runs every suite. The lab (e2e) and browser suites share the machine's network
// namespaces and wireguard-go sockets, so they run one file at a time.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'test/unit/**/*.test.ts',
            'test/golden/**/*.test.ts',
            'test/transitions/**/*.test.ts',
          ],
        },
      },
      {
        test: {
          name: 'contract',
          include: [
            'test/contract/**/*.test.ts',
            'test/quickjs/**/*.test.ts',
            'test/package/**/*.test.ts',
          ],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'webui',
          include: ['test/webui/**/*.test.{ts,tsx}'],
          environment: 'jsdom',
        },
        oxc: JSX_OPTIONS,
      },
      {
        test: {
          name: 'e2e',
          // test/soak: the ten-minute load test (issue 8), also alone as `make soak`.
          include: ['test/e2e/**/*.test.ts', 'test/soak/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
})
