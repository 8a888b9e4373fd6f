// webui/src/signals.ts: the UI's signals, computeds and effects, and what a page shows through
// them in Preact. Plain h() calls rather than JSX keep this file a .ts like the other model tests.
import { h, render, type ComponentChildren } from 'preact'
import { act } from 'preact/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  computed,
  effect,
  signal,
  useComputed,
  useSignal,
  type ReadonlySignal,
  type Signal,
} from '../../webui/src/signals'

describe('signal', () => {
  it('reads and writes its value; peek reads it too', () => {
    const s = signal(1)
    s.value = 2
    expect(s.value).toBe(2)
    expect(s.peek()).toBe(2)
  })

  it('notifies only when the value changes (Object.is)', () => {
    const s = signal<number>(NaN)
    const seen: number[] = []
    effect(() => void seen.push(s.value))
    s.value = NaN
    s.value = 0
    s.value = 0
    s.value = -0
    expect(seen).toEqual([NaN, 0, -0])
  })

  it('is not tracked when read with peek', () => {
    const a = signal(1)
    const b = signal(10)
    const seen: number[] = []
    effect(() => void seen.push(a.value + b.peek()))
    b.value = 20
    expect(seen).toEqual([11])
    a.value = 2
    expect(seen).toEqual([11, 22])
  })
})

describe('computed', () => {
  it('runs only when read, once, and again only after a source changed', () => {
    const s = signal(1)
    const fn = vi.fn(() => s.value * 2)
    const c = computed(fn)
    expect(fn).not.toHaveBeenCalled()
    expect(c.value).toBe(2)
    expect(c.value).toBe(2)
    expect(c.peek()).toBe(2)
    expect(fn).toHaveBeenCalledTimes(1)
    s.value = 2
    expect(fn).toHaveBeenCalledTimes(1)
    expect(c.value).toBe(4)
    expect(fn).toHaveBeenCalledTimes(2)
  })

  it('collects its sources again at every run', () => {
    const which = signal<'a' | 'b'>('a')
    const a = signal('A')
    const b = signal('B')
    const fn = vi.fn(() => (which.value === 'a' ? a.value : b.value))
    const c = computed(fn)
    const seen: string[] = []
    effect(() => void seen.push(c.value))
    which.value = 'b'
    a.value = 'A2' // no longer read: nothing runs
    expect(fn).toHaveBeenCalledTimes(2)
    b.value = 'B2'
    expect(seen).toEqual(['A', 'B', 'B2'])
  })

  it('runs once per change in a diamond and never sees a half-updated state', () => {
    const s = signal(1)
    const double = computed(() => s.value * 2)
    const triple = computed(() => s.value * 3)
    const sums: string[] = []
    const sum = computed(() => {
      sums.push(`${double.value}+${triple.value}`)
      return double.value + triple.value
    })
    const seen: number[] = []
    effect(() => void seen.push(sum.value))
    s.value = 2
    s.value = 3
    expect(sums).toEqual(['2+3', '4+6', '6+9'])
    expect(seen).toEqual([5, 10, 15])
  })

  it('does not notify its readers when its result is unchanged', () => {
    const s = signal(1)
    const isOdd = computed(() => s.value % 2 === 1)
    const runs = vi.fn(() => isOdd.value)
    effect(runs)
    s.value = 3
    expect(runs).toHaveBeenCalledTimes(1)
    s.value = 4
    expect(runs).toHaveBeenCalledTimes(2)
  })

  it('is up to date when read after changes nobody watched', () => {
    const s = signal(1)
    const c = computed(() => s.value + 1)
    expect(c.value).toBe(2)
    s.value = 5
    expect(c.value).toBe(6)
    // Watched, left, and changed meanwhile.
    const stop = effect(() => void c.value)
    stop()
    s.value = 7
    expect(c.value).toBe(8)
    const seen: number[] = []
    effect(() => void seen.push(c.value))
    s.value = 9
    expect(seen).toEqual([8, 10])
  })

  it('throws its error when read, and recovers', () => {
    const s = signal(0)
    const c = computed(() => {
      if (s.value === 1) throw new Error('one')
      return s.value
    })
    expect(c.value).toBe(0)
    s.value = 1
    expect(() => c.value).toThrow('one')
    s.value = 2
    expect(c.value).toBe(2)
  })

  it('is read-only', () => {
    const c = computed(() => 1) as unknown as Signal<number>
    expect(() => (c.value = 2)).toThrow(TypeError)
  })
})

describe('effect', () => {
  it('runs at once and after each change of what it read, until disposed', () => {
    const s = signal('a')
    const seen: string[] = []
    const stop = effect(() => void seen.push(s.value))
    s.value = 'b'
    stop()
    s.value = 'c'
    expect(seen).toEqual(['a', 'b'])
  })

  it('does not loop when it writes a signal it does not read', () => {
    const s = signal(1)
    const out = signal(0)
    const runs = vi.fn(() => {
      out.value = s.value + out.peek()
    })
    effect(runs)
    s.value = 2
    expect(runs).toHaveBeenCalledTimes(2)
    expect(out.value).toBe(3)
  })

  it('runs the returned cleanup before the next run and on dispose', () => {
    const s = signal(1)
    const log: string[] = []
    const stop = effect(() => {
      const v = s.value
      log.push(`run ${v}`)
      return () => log.push(`clean ${v}`)
    })
    s.value = 2
    stop()
    expect(log).toEqual(['run 1', 'clean 1', 'run 2', 'clean 2'])
  })

  it('sees the writes of another effect, each effect once per change', () => {
    const s = signal(1)
    const doubled = signal(0)
    const seen: string[] = []
    effect(() => void seen.push(`${s.value}/${doubled.value}`))
    effect(() => {
      doubled.value = s.value * 2
    })
    s.value = 2
    expect(seen).toEqual(['1/0', '1/2', '2/2', '2/4'])
  })

  it('drops its subscriptions when disposed', () => {
    const s = signal(1)
    const c = computed(() => s.value)
    const stop = effect(() => void c.value)
    stop()
    // Internal, on purpose: nothing of the effect stays reachable from the signal.
    expect((s as unknown as { _readers: Set<unknown> })._readers.size).toBe(0)
  })

  it('throws an error of its first run, and stays away', () => {
    const s = signal(1)
    const fn = vi.fn(() => {
      if (s.value === 1) throw new Error('first')
    })
    expect(() => effect(fn)).toThrow('first')
    s.value = 2
    expect(fn).toHaveBeenCalledTimes(1)
  })
})

describe('in Preact', () => {
  let container: HTMLElement
  beforeEach(() => {
    container = document.createElement('div')
    document.body.append(container)
  })
  afterEach(() => {
    render(null, container)
    container.remove()
  })

  async function show(vnode: ComponentChildren): Promise<void> {
    await act(() => render(vnode, container))
  }
  /** Lets Preact re-render what the writes scheduled. */
  async function settle(): Promise<void> {
    await act(async () => {})
  }

  it('re-renders a component once when what it read changes, several writes at once', async () => {
    const a = signal(1)
    const b = signal(2)
    const renders = vi.fn()
    function Sum() {
      renders()
      return h('p', null, `${a.value + b.value}`)
    }
    await show(h(Sum, null))
    expect(container.textContent).toBe('3')
    a.value = 10
    b.value = 20
    await settle()
    expect(container.textContent).toBe('30')
    expect(renders).toHaveBeenCalledTimes(2)
  })

  it('does not re-render for a signal read with peek or a computed whose result is unchanged', async () => {
    const s = signal(1)
    const isOdd = computed(() => s.value % 2 === 1)
    const renders = vi.fn()
    function Parity() {
      renders()
      return h('p', null, isOdd.value ? `odd ${s.peek()}` : 'even')
    }
    await show(h(Parity, null))
    s.value = 3
    await settle()
    expect(container.textContent).toBe('odd 1')
    expect(renders).toHaveBeenCalledTimes(1)
  })

  it('shows a signal as text and updates that text alone', async () => {
    const s = signal('a')
    const renders = vi.fn()
    function Line() {
      renders()
      return h('p', null, 'value: ', s)
    }
    await show(h(Line, null))
    expect(container.textContent).toBe('value: a')
    s.value = 'b'
    await settle()
    expect(container.textContent).toBe('value: b')
    expect(renders).toHaveBeenCalledTimes(1)
  })

  it('shows signals as DOM props outside any component, and follows them as text', async () => {
    const text = signal('one')
    const isOff = signal(true)
    await show(h('p', null, h('input', { value: text, disabled: isOff }), text))
    const input = container.querySelector('input')!
    expect([input.value, input.disabled, container.textContent]).toEqual(['one', true, 'one'])
    text.value = 'two'
    await settle()
    expect(container.textContent).toBe('two')
  })

  it('follows signals passed as DOM props from inside a component', async () => {
    const text = signal('one')
    const isOff = signal(false)
    function Input(props: { value: ReadonlySignal<string>; isDisabled: ReadonlySignal<boolean> }) {
      return h('input', { value: props.value, disabled: props.isDisabled })
    }
    await show(h(Input, { value: text, isDisabled: isOff }))
    const input = container.querySelector('input')!
    expect([input.value, input.disabled]).toEqual(['one', false])
    text.value = 'two'
    isOff.value = true
    await settle()
    expect([input.value, input.disabled]).toEqual(['two', true])
  })

  it('keeps useSignal and useComputed for the life of the component; useComputed calls the latest fn', async () => {
    const base = signal(1)
    const made: Signal<number>[] = []
    function Counter(props: { factor: number }) {
      const own = useSignal(0)
      made.push(own)
      const product = useComputed(() => base.value * props.factor + own.value)
      return h('p', null, product)
    }
    await show(h(Counter, { factor: 2 }))
    expect(container.textContent).toBe('2')
    made[0].value = 1
    await settle()
    expect(container.textContent).toBe('3')
    await show(h(Counter, { factor: 3 }))
    base.value = 2
    await settle()
    expect(container.textContent).toBe('7')
    expect(new Set(made).size).toBe(1)
  })

  it('drops the subscriptions of an unmounted component', async () => {
    const s = signal('x')
    const renders = vi.fn()
    function Reader() {
      renders()
      const upper = useComputed(() => s.value.toUpperCase())
      return h('p', { title: s }, upper.value, s)
    }
    await show(h(Reader, null))
    await show(null)
    s.value = 'y'
    await settle()
    expect(renders).toHaveBeenCalledTimes(1)
    // Internal, on purpose: nothing of the component stays reachable from the signal.
    expect((s as unknown as { _readers: Set<unknown> })._readers.size).toBe(0)
  })
})
