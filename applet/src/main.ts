// Entry point of the one bundle. Under QuickJS (`qjs --std lanvpn.js …`) std and os are globals;
// under Node the Node host is loaded on demand, so nothing of node:* runs under QuickJS.
import { runCli } from './cli/cli'
import { resolvePaths } from './core/paths'
import type { Host } from './host/host'
import { createQuickjsHost } from './host/quickjs'
import { withLogLevel } from './system/log'

declare const std: unknown
declare const os: unknown
declare const scriptArgs: string[]

async function createHost(): Promise<Host> {
  if (typeof std !== 'undefined' && typeof os !== 'undefined')
    return createQuickjsHost(std as never, os as never, scriptArgs)
  const { createNodeHost } = await import('./host/node')
  return createNodeHost()
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
    code = await runCli(host, paths, host.argv())
  } catch (e) {
    // Unhandled rejections kill qjs; report in plain words instead, with a non-zero exit.
    host.writeStderr(`lanvpn: ${e instanceof Error ? e.message : String(e)}\n`)
    code = 1
  }
  host.exit(code)
}

main().catch((e: unknown) => {
  const text = `lanvpn: ${e instanceof Error ? e.message : String(e)}\n`
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
