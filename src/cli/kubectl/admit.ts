/**
 * What `explain` and `audit` feed the admission path: a live pod as its CREATE carried it. The
 * decision itself is `admit` (src/admission/admit.ts), the same call `multinet review` makes.
 */
import { field, metadataOf } from '../../spec/object.js'
import { ANNOTATIONS } from '../../spec/types.js'

export { admit, type Admitted } from '../../admission/admit.js'

/**
 * A stored pod as its CREATE would have carried it: what the user wrote (name, labels,
 * annotations, spec), without what the server and the agent added since (uid, status,
 * network-status: only the agent may write that one, and it is what happened, not a request).
 */
export function asCreated(pod: unknown): Record<string, unknown> {
  const meta = field(pod, 'metadata')
  const m = metadataOf(pod)
  const annotations = { ...m.annotations }
  delete annotations[ANNOTATIONS.networkStatus]
  const keep = (key: string): Record<string, unknown> => {
    const v = field(meta, key)
    return v === undefined ? {} : { [key]: v }
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...keep('name'),
      ...keep('generateName'),
      ...keep('namespace'),
      ...keep('labels'),
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      ...keep('ownerReferences'),
    },
    spec: field(pod, 'spec') ?? {},
  }
}
