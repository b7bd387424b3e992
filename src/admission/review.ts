/**
 * AdmissionReview v1 (admission.k8s.io/v1), the subset Multinet reads and writes. Field docs
 * follow the Kubernetes API reference.
 */

export interface UserInfo {
  readonly username?: string
  readonly uid?: string
  readonly groups?: readonly string[]
  /** e.g. `authentication.kubernetes.io/node-name` on bound service-account tokens. */
  readonly extra?: Readonly<Record<string, readonly string[]>>
}

export interface GroupVersionKind {
  readonly group: string
  readonly version: string
  readonly kind: string
}

export interface GroupVersionResource {
  readonly group: string
  readonly version: string
  readonly resource: string
}

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT'

export interface AdmissionRequest {
  /** Identifies this call; must be copied into the response. */
  readonly uid: string
  readonly kind: GroupVersionKind
  readonly resource: GroupVersionResource
  readonly subResource?: string
  readonly name?: string
  readonly namespace?: string
  readonly operation: Operation
  readonly userInfo: UserInfo
  /** The object as it will be stored (CREATE/UPDATE), absent on DELETE. */
  readonly object?: unknown
  /** The stored object (UPDATE/DELETE). */
  readonly oldObject?: unknown
  readonly dryRun?: boolean
}

export interface AdmissionStatus {
  readonly code: number
  readonly message: string
  readonly reason?: string
}

export interface AdmissionResponse {
  /** UID is an identifier for the individual request/response; copied from the request. */
  readonly uid: string
  readonly allowed: boolean
  readonly status?: AdmissionStatus
  /** Base64 of an RFC 6902 JSON Patch; only with patchType. */
  readonly patch?: string
  readonly patchType?: 'JSONPatch'
  /** Shown to the user by kubectl; non-fatal findings. */
  readonly warnings?: readonly string[]
  readonly auditAnnotations?: Readonly<Record<string, string>>
}

export interface AdmissionReviewRequest {
  readonly apiVersion: 'admission.k8s.io/v1'
  readonly kind: 'AdmissionReview'
  readonly request: AdmissionRequest
}

export interface AdmissionReviewResponse {
  readonly apiVersion: 'admission.k8s.io/v1'
  readonly kind: 'AdmissionReview'
  readonly response: AdmissionResponse
}

/** RFC 6902 operation as Multinet emits it (we only ever add, replace or test). */
export interface PatchOp {
  readonly op: 'add' | 'replace' | 'remove' | 'test'
  readonly path: string
  readonly value?: unknown
}
