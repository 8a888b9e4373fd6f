// Entry point: dist/lanvpn.js, a small ES module that picks the host and loads only the code the
// verb needs (scripts/applet-chunks.mjs splits the rest into lanvpn-*.js chunks beside it). QuickJS
// compiles a whole file when it loads it, so parsing is most of a short command's cost under qjs: an
// rpc call (one per change in the web UI) must not parse the daemon, nor the daemon the CLI.
// Under QuickJS (`qjs --std -m lanvpn.js …`) std and os are globals; under Node the Node host is
// loaded on demand, so nothing of node:* is ever parsed under QuickJS.
import { errorText } from './core/errors'
import type { Paths } from './core/paths'
import { resolvePaths } from './core/paths'
import type { Host } from './host/host'
import { createQuickjsHost } from './host/quickjs'
import { withLogLevel, type LevelledHost } from './system/log'

declare const std: unknown
declare const os: unknown
declare const scriptArgs: string[]

async function createHost(): Promise<Host> {
  if (typeof std !== 'undefined' && typeof os !== 'undefined')
    return createQuickjsHost(std as never, os as never, scriptArgs)
  const { createNodeHost } = await import('./host/node')
  return createNodeHost()
}

/** Runs one command line with just the code its verb needs; resolves with the exit code. The
 * daemon's own code has no lazy import, so files replaced by an upgrade never reach a running
 * daemon. */
async function runVerb(host: LevelledHost, paths: Paths, argv: string[]): Promise<number> {
  switch (argv[0]) {
    case 'rpc':
      return (await import('./rpc/command')).runRpc(host, paths, argv.slice(1))
    case 'daemon':
      return (await import('./daemon/daemon')).runDaemon(host, paths)
    default:
      return (await import('./cli/cli')).runCli(host, paths, argv)
  }
}

async function main(): Promise<void> {
  const host = withLogLevel(await createHost())
  // LANVPN_PREFIX moves every path under a directory: for the lab and tests, never on a router.
  const paths = resolvePaths(
    host.getEnv('LANVPN_PREFIX') ?? '',
    host.getEnv('LANVPN_TUNNEL_IFACE') || undefined
  )
  let code: number
  try {
    code = await runVerb(host, paths, host.argv())
  } catch (e) {
    // Unhandled rejections kill qjs; report in plain words instead, with a non-zero exit.
    host.writeStderr(`lanvpn: ${errorText(e)}\n`)
    code = 1
  }
  host.exit(code)
}

main().catch((e: unknown) => {
  const text = `lanvpn: ${errorText(e)}\n`
  const g = globalThis as { std?: { err: { puts(s: string): void }; exit(n: number): void } }
  if (g.std) {
    g.std.err.puts(text)
    g.std.exit(1)
  } else {
    ;(
      globalThis as { process?: { stderr: { write(s: string): void }; exit(n: number): void } }
    ).process?.stderr.write(text)
    ;(globalThis as { process?: { exit(n: number): void } }).process?.exit(1)
  }
})
