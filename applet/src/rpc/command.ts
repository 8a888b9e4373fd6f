// `lanvpn rpc list | call METHOD`: what the rpcd plugin runs, once per call from the web UI
// (openwrt-contracts §1). Loaded on its own by main.ts, without the daemon or the CLI: under qjs
// every file is compiled in full when it is loaded, and parsing is most of a call's cost
// (product.md Budgets: an rpc write ≤ 8 × an empty qjs start).
import type { Paths } from '../core/paths'
import type { Host } from '../host/host'
import { methods } from './methods'
import { MAX_INPUT_BYTES, handleCall, renderList } from './protocol'

/** Runs `lanvpn rpc …` (argv after `rpc`); resolves with the exit code. A call always answers one
 * JSON object on stdout. */
export async function runRpc(
  host: Host,
  paths: Paths,
  [sub, method = '']: string[]
): Promise<number> {
  if (sub === 'list') {
    host.writeStdout(JSON.stringify(renderList(methods)))
    return 0
  }
  if (sub === 'call') {
    const input = host.readStdin(MAX_INPUT_BYTES)
    host.writeStdout(JSON.stringify(await handleCall(methods, { host, paths }, method, input)))
    return 0
  }
  host.writeStderr('usage: lanvpn rpc list | lanvpn rpc call METHOD\n')
  return 2
}
