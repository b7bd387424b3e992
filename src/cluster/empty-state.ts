import { DEFAULT_POLICY } from '../policy/compile.js'
import type { StateSource } from './source.js'

/** A cluster with nothing in it and the default policy: `multinet review` without --state. */
export function emptyState(): StateSource {
  return {
    getNad: () => undefined,
    fetchNad: async () => undefined,
    namespaceLabels: () => undefined,
    fetchNamespaceLabels: async () => undefined,
    podsUsingNad: async () => ({ ok: true, total: 0, examples: [] }),
    policy: () => DEFAULT_POLICY,
    sync: () => ({ synced: true, problems: [] }),
    stats: () => ({ nads: 0, namespaces: 0, policyConfigMaps: 0 }),
    close: async () => {},
  }
}
