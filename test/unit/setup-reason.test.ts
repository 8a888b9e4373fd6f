// Plain words for a set-up that failed on the VPN server's name (core/tunnel/setup-reason.ts), from
// wg's errors as glibc (development boxes) and musl (OpenWrt) word them.
import { describe, expect, it } from 'vitest'
import { nameLookupFailure } from '../../applet/src/core/tunnel/setup-reason'

const NO_ANSWER = "the VPN server's name could not be looked up: DNS is not answering"
const NO_SUCH_NAME = "the VPN server's name could not be looked up: DNS knows no such name"

describe('a failed name lookup in plain words', () => {
  it.each([
    [
      "wg exited 1: Temporary failure in name resolution: `vpn.example:51820' / Configuration parsing error",
      NO_ANSWER,
    ],
    ["wg exited 1: Try again: `vpn.example:51820' / Configuration parsing error", NO_ANSWER],
    [
      "wg timed out: Temporary failure in name resolution: `vpn.example:51820'. Trying again in 1.00 seconds...",
      NO_ANSWER,
    ],
    [
      "wg exited 1: Name or service not known: `vpn.example:51820' / Configuration parsing error",
      NO_SUCH_NAME,
    ],
    [
      "wg exited 1: Name does not resolve: `vpn.example:51820' / Configuration parsing error",
      NO_SUCH_NAME,
    ],
  ])('reads %s', (message, reason) => {
    expect(nameLookupFailure(message)).toBe(reason)
  })

  it('leaves the name out', () => {
    expect(nameLookupFailure("wg exited 1: Try again: `vpn.example:51820'")).not.toContain(
      'vpn.example'
    )
  })

  it('says nothing of errors that are not about a name', () => {
    expect(nameLookupFailure('wireguard-go could not be started (not installed?)')).toBe('')
    expect(nameLookupFailure('ip exited 2: RTNETLINK answers: Operation not permitted')).toBe('')
  })
})
