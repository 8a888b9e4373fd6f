// Bundled like the product (scripts/bundle-options.mjs: iife, neutral, es2020) and run in a process
// of its own, under the native qjs or under Node, like dist/lanvpn.js:
//   qjs --std host-bundle.js <tmpDir> [set]      node host-bundle.js <tmpDir> [set]
// set: `contract` (default) runs hostCases, `write-failures` hostWriteFailureCases (the runner sets
// the file-size limit that makes writes fail); both print one JSON line of results. `pid` prints
// {"pid": host.pid()}, so a test can compare it with the pid it started. `durable-write` writes
// <tmpDir>/text and <tmpDir>/bytes durably and nothing else (durable-write.test.ts traces it);
// `durable-write-unknown-abi` does the same through an os whose O_CREAT no known ABI has.
import type { Host } from '../../applet/src/host/host'
import { createQuickjsHost } from '../../applet/src/host/quickjs'
import type { QjsOs, QjsStd } from '../../applet/src/host/quickjs-types'
import { hostCases, hostWriteFailureCases } from './host-cases'
import { runHostCases } from './host-runner'

const g = globalThis as unknown as { std?: QjsStd; os?: QjsOs; scriptArgs: string[] }

/** Bit 30: no Linux ABI's O_CREAT. The os seen through it reports that as O_CREAT and gives open(2)
 * the real one, so files are still created but the host cannot tell O_SYNC. */
const UNKNOWN_O_CREAT = 0x40000000

function withUnknownOCreat(os: QjsOs): QjsOs {
  const open: QjsOs['open'] = (path, flags, mode) =>
    os.open(path, flags & UNKNOWN_O_CREAT ? (flags & ~UNKNOWN_O_CREAT) | os.O_CREAT : flags, mode)
  return Object.assign(Object.create(os) as QjsOs, { O_CREAT: UNKNOWN_O_CREAT, open })
}

async function createHost(): Promise<Host> {
  if (g.std && g.os) {
    const unknownAbi = g.scriptArgs[2] === 'durable-write-unknown-abi'
    return createQuickjsHost(g.std, unknownAbi ? withUnknownOCreat(g.os) : g.os, g.scriptArgs)
  }
  const { createNodeHost } = await import('../../applet/src/host/node')
  return createNodeHost()
}

async function main(host: Host): Promise<void> {
  const [tmpDir, set = 'contract'] = host.argv()
  if (set === 'pid') {
    host.writeStdout(JSON.stringify({ pid: host.pid() }) + '\n')
    return host.exit(0)
  }
  if (set.startsWith('durable-write')) {
    host.writeFileAtomic(`${tmpDir}/text`, 'written durably\n', { mode: 0o600 })
    host.writeFileAtomic(`${tmpDir}/bytes`, new Uint8Array([0x6f, 0x6b, 0x0a]), { mode: 0o600 })
    return host.exit(0)
  }
  const cases = set === 'write-failures' ? hostWriteFailureCases : hostCases
  const results = await runHostCases(host, tmpDir, cases)
  host.writeStdout(JSON.stringify(results) + '\n')
  host.exit(0)
}

// A host that cannot be created prints nothing: the test fails parsing the missing JSON line.
void createHost().then((host) =>
  main(host).catch((e: unknown) => {
    host.writeStderr(`host-entry crashed: ${(e as Error)?.message ?? e}\n`)
    host.exit(2)
  })
)
