/**
 * Every network the pod ends up attached to, in the order the agent will attach them (default
 * network, then the selections, then the tenant's additions), each with the NAD it resolves to
 * and where it came from, so that findings point at the element that caused them.
 */
import { networkKey, type NadInfo, type SelectionElement } from '../spec/types.js'

export interface NetworkName {
  readonly namespace: string
  readonly name: string
  readonly interface?: string
}

export interface Attachment {
  readonly namespace: string
  readonly name: string
  /** Finding path of the element: `default-network`, `networks[1]`, `tenantNetworks[0]`. */
  readonly origin: string
  /** Undefined when the NAD is not known (admission denies that before mutating). */
  readonly nad: NadInfo | undefined
}

/**
 * The tenant networks still to add. The caller already leaves out networks the pod selects; we
 * check again (it is cheap) because reinvocation must never add one twice, and we also leave out
 * the pod's default network, which it already has.
 */
export function tenantAdditions(
  selections: readonly SelectionElement[],
  defaultNetwork: SelectionElement | undefined,
  tenantNetworks: readonly NetworkName[],
): NetworkName[] {
  const seen = new Set(selections.map(networkKey))
  if (defaultNetwork) seen.add(networkKey(defaultNetwork))
  const out: NetworkName[] = []
  for (const n of tenantNetworks) {
    if (seen.has(networkKey(n))) continue
    seen.add(networkKey(n))
    out.push(n)
  }
  return out
}

export function attachmentsOf(
  selections: readonly SelectionElement[],
  defaultNetwork: SelectionElement | undefined,
  added: readonly NetworkName[],
  nad: (namespace: string, name: string) => NadInfo | undefined,
): Attachment[] {
  const of = (n: NetworkName, origin: string): Attachment => ({
    namespace: n.namespace,
    name: n.name,
    origin,
    nad: nad(n.namespace, n.name),
  })
  return [
    ...(defaultNetwork ? [of(defaultNetwork, 'default-network')] : []),
    ...selections.map((s, i) => of(s, `networks[${i}]`)),
    ...added.map((n, i) => of(n, `tenantNetworks[${i}]`)),
  ]
}
