import { defineConfig } from 'vitest/config'
import { JSX_OPTIONS } from './webui/vite.config'

// Every suite (`make test`: scripts/test.sh). The lab (e2e) and browser suites share the machine's
// network namespaces and wireguard-go sockets, so they run one file at a time.
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
          include: ['test/e2e/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        // The ten-minute load test (issue 8) in a lab of its own: `make test` runs it in a second
        // vitest beside the others (scripts/test.sh), `make soak` alone.
        test: {
          name: 'soak',
          include: ['test/soak/**/*.test.ts'],
          hookTimeout: 180_000,
        },
      },
    ],
  },
})
