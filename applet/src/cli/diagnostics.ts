// `lanvpn diagnostics > file`: the same redacted bundle the web UI downloads.
import { getDiagnostics } from '../rpc/diagnostics'
import type { CliCommand } from './command'

/** Prints the redacted diagnostics bundle on stdout (nothing is sent anywhere). */
export const diagnosticsCommand: CliCommand = {
  usage: 'diagnostics',
  summary: 'Print a diagnostics bundle with addresses, keys and names redacted.',
  async run(host, paths, args) {
    if (args.length > 0) {
      host.writeStderr(`usage: lanvpn ${diagnosticsCommand.usage} > FILE\n`)
      return 2
    }
    host.writeStdout((await getDiagnostics({ host, paths })).text)
    return 0
  },
}
