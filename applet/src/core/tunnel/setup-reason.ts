// Plain words for a tunnel set-up that failed because the VPN server's name could not be looked
// up. wg resolves an endpoint name itself (getaddrinfo) and prints the C library's words for the
// failure, quoted with the endpoint: glibc's on a development box, musl's on OpenWrt.
import { SENTENCES } from '../messages'

/** The C library's words for "ask again later" (EAI_AGAIN): the resolver got no answer. */
const NO_ANSWER = /Temporary failure in name resolution|Try again/

/** … and for "there is no such name" (EAI_NONAME, EAI_NODATA). */
const NO_SUCH_NAME =
  /Name or service not known|Name does not resolve|No address associated|no usable address/

/** Why a tool's error `message` (an ExecError's, stderr included) means the VPN server's name could
 * not be looked up, in plain words, or '' when it is about something else. The name itself is left
 * out: the status file shows the reason, and it holds no endpoint. */
export function nameLookupFailure(message: string): string {
  // wg quotes the endpoint it failed on: `<error>: `host:port'`.
  if (!/: `[^`']+'/.test(message)) return ''
  if (NO_ANSWER.test(message)) return SENTENCES.nameNoAnswer
  if (NO_SUCH_NAME.test(message)) return SENTENCES.nameUnknown
  if (/name resolution|Non-recoverable/i.test(message)) return SENTENCES.nameFailed
  return ''
}
