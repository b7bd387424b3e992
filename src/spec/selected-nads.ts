/**
 * Which NADs a pod selects, from its annotations alone: the secondary networks and the default
 * network. Used to tell an admin that a NAD about to be deleted is still in use (Multus #199).
 */
import { parseDefaultNetwork, parseSelections } from './selection.js'
import { ANNOTATIONS, networkKey } from './types.js'

/**
 * `namespace/name` of every NAD the pod selects. An annotation that does not parse selects
 * nothing: such a pod was admitted before Multinet or around it, and cannot be attached anyway.
 */
export function selectedNads(
  annotations: Readonly<Record<string, string>>,
  podNamespace: string,
): Set<string> {
  const out = new Set<string>()
  const networks = annotations[ANNOTATIONS.networks]
  if (networks !== undefined) {
    for (const el of parseSelections(networks, podNamespace).elements) {
      out.add(networkKey(el))
    }
  }
  const defaultNetwork = annotations[ANNOTATIONS.defaultNetwork]
  if (defaultNetwork !== undefined) {
    const { element } = parseDefaultNetwork(defaultNetwork, podNamespace)
    if (element !== undefined) out.add(networkKey(element))
  }
  return out
}
