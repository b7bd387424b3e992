import { delimiter } from 'node:path'

/**
 * KUBECONFIG may list several files (`a:b`); merging them is kubectl's business, and like
 * kubectl's primary file ours is the first entry.
 */
export function firstPath(value: string | undefined): string | undefined {
  return value
    ?.split(delimiter)
    .map((p) => p.trim())
    .find((p) => p !== '')
}
