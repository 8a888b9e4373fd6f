// core/config/guard.ts: which version of /etc/config/lanvpn the daemon runs. A version that brings
// problems the one in force did not have is held back, so a broken file never lowers protection.
import { describe, expect, it } from 'vitest'
import { chooseConfig, readConfigVersion } from '../../applet/src/core/config/guard'

const GOOD = `config globals 'globals'
\toption enabled '1'

config device 'd_020000005001'
\toption mac '02:00:00:00:50:01'
\toption mode 'vpn'
`

describe('readConfigVersion', () => {
  it('gives each problem the line of its option, or of its section', () => {
    const v = readConfigVersion(GOOD.replace("'vpn'", "'sometimes'") + '\nconfig device\n')
    expect(v.problems.map((p) => [p.section, p.option, p.line])).toEqual([
      ['d_020000005001', 'mode', 6],
      ['@device[1]', 'mac', 8],
    ])
  })

  it('marks a file that is not UCI as unreadable, with the line of the fault', () => {
    const v = readConfigVersion(GOOD + "config 'x\n")
    expect(v.unreadable).toBe(true)
    expect(v.problems).toEqual([
      expect.objectContaining({
        line: 7,
        reason: expect.stringMatching(/^the file cannot be read/),
      }),
    ])
  })
})

describe('chooseConfig', () => {
  const good = readConfigVersion(GOOD)

  it('runs a candidate without new problems', () => {
    const next = readConfigVersion(GOOD.replace("'vpn'", "'direct'"))
    expect(chooseConfig(next, good)).toEqual({ run: next, held: [] })
  })

  it('holds a candidate with a new problem and keeps the version in force', () => {
    const next = readConfigVersion(GOOD.replace("option enabled '1'", "option enabled 'maybe'"))
    const choice = chooseConfig(next, good)
    expect(choice.run).toBe(good)
    expect(choice.held).toEqual([
      expect.objectContaining({ section: 'globals', option: 'enabled' }),
    ])
  })

  it('holds an unreadable candidate; with nothing in force it runs nothing', () => {
    const broken = readConfigVersion(GOOD.replace("'vpn'", "'vpn"))
    expect(chooseConfig(broken, good).run).toBe(good)
    expect(chooseConfig(broken, null)).toEqual({ run: null, held: broken.problems })
  })

  it('runs a candidate whose problems were all there before, and one with problems at the start', () => {
    const withProblem = readConfigVersion(GOOD.replace("'vpn'", "'sometimes'"))
    const later = readConfigVersion(GOOD.replace("'vpn'", "'sometimes'") + '\n')
    expect(chooseConfig(later, withProblem).run).toBe(later)
    expect(chooseConfig(withProblem, null).run).toBe(withProblem)
  })
})
