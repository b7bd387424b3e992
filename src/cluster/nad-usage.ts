import type { NadUsage } from '../admission/state.js'
import { selectedNads } from '../spec/selected-nads.js'
import { nadKey, networkKey } from '../spec/types.js'

/** Enough pod names for a message; the total says how many more there are. */
export const USAGE_EXAMPLES = 5

export interface PodRef {
  readonly namespace: string
  readonly name: string
  readonly annotations: Readonly<Record<string, string>>
}

/** Counts, page by page, the pods that select one NAD; `result()` gives the answer. */
export class UsageCounter {
  private readonly key: string
  private readonly users: string[] = []

  constructor(namespace: string, name: string) {
    this.key = nadKey(namespace, name)
  }

  add(pods: Iterable<PodRef>): void {
    for (const pod of pods) {
      if (selectedNads(pod.annotations, pod.namespace).has(this.key)) {
        this.users.push(networkKey(pod))
      }
    }
  }

  result(): NadUsage {
    return {
      ok: true,
      total: this.users.length,
      examples: [...this.users].sort().slice(0, USAGE_EXAMPLES),
    }
  }
}
