// HTTPS through curl (QuickJS has no sockets, openwrt-contracts §8). Secrets never reach argv:
// the whole request (URL with its token, basic auth, body) is a curl config on stdin, so argv is
// always `curl -q --config -` (see core/render/curl.ts). `--interface` in that config binds the
// request to the WAN device.
//
// Why not uclient-fetch (OpenWrt's default fetcher): in openwrt/uclient uclient-fetch.c the URL is
// a positional argv argument and --user/--password are argv options (blanked with memset only
// after getopt has run, so they are visible in /proc/<pid>/cmdline meanwhile); it reads no options
// from stdin or a file; and it has no option to bind to an interface. It can do neither of the two
// things this needs, so lanvpn requires the `curl` package for MediaStreamer.
import { parseCurlOutput, type HttpOutcome } from '../core/observe/curl'
import { CURL_ARGV, renderCurlConfig, type HttpRequest } from '../core/render/curl'
import type { Host } from '../host/host'
import { run } from './run'

/** An IP-echo query: a plain GET bound to `device` (the WAN for the router's own address, the
 * tunnel for the exit address), whose answer is one address, so 1 KiB at most. */
export function echoRequest(url: string, device: string, maxTimeS: number): HttpRequest {
  return { url, method: 'GET', device, maxTimeS, maxBytes: 1024 }
}

/** Extra seconds the process gets beyond curl's own max-time before it is killed. */
const KILL_GRACE_S = 5

/** Runs one request with curl. Resolves with the response (any HTTP status) or a failure in plain
 * words; never rejects. Logs only `[#] curl -q --config -` (at debug): no URL, no secret. */
export async function httpRequest(host: Host, req: HttpRequest): Promise<HttpOutcome> {
  const result = await run(host, CURL_ARGV.slice(), {
    stdin: renderCurlConfig(req),
    timeoutMs: (req.maxTimeS + KILL_GRACE_S) * 1000,
  })
  return parseCurlOutput(result.code, result.stdout, result.timedOut, req.maxBytes)
}
