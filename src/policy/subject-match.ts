/**
 * Matching pods (subjects) and namespaces against the `from` of a rule and the `namespaces` of
 * a tenant. A mismatch says which condition failed, so a refusal can tell the user what to ask
 * for instead of a bare "not allowed".
 */
import type { NamespaceMatch, SubjectMatch } from './document.js'
import { compilePair, compilePart, matchPair, matchPart, type PartMatcher } from './glob.js'
import { compileSelector, type LabelPredicate } from './selector.js'
import type { Subject } from './types.js'

export type NamespacePredicate = (
  namespace: string,
  labels: Readonly<Record<string, string>>,
) => boolean

export function compileNamespaceMatch(m: NamespaceMatch): NamespacePredicate {
  const names: PartMatcher[] | undefined = m.names?.map(compilePart)
  const selector: LabelPredicate | undefined = m.selector && compileSelector(m.selector)
  return (namespace, labels) =>
    (!names || names.some((n) => matchPart(n, namespace))) && (!selector || selector(labels))
}

/** The condition of a `from` that a subject fails first. */
export type Mismatch = 'namespace' | 'pod' | 'serviceAccount'

export type SubjectPredicate = (subject: Subject) => Mismatch | undefined

/** Every condition written must hold; returns the first that does not, or undefined. */
export function compileSubjectMatch(m: SubjectMatch): SubjectPredicate {
  const namespaces = m.namespaces && compileNamespaceMatch(m.namespaces)
  const pods = m.pods && compileSelector(m.pods.selector)
  const accounts = m.serviceAccounts?.map(compilePair)
  return (s) => {
    if (namespaces && !namespaces(s.namespace, s.namespaceLabels)) return 'namespace'
    if (pods && !pods(s.podLabels)) return 'pod'
    if (accounts && !accounts.some((a) => matchPair(a, s.namespace, s.serviceAccount))) {
      return 'serviceAccount'
    }
    return undefined
  }
}
