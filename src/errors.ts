/**
 * The one error catalogue. Every error Multinet throws, and every rule that can deny or warn,
 * has a stable code here: logs, metrics and tests match on the code, never on message text.
 *
 * Thrown errors (`MultinetError`) are for the process: bad configuration, unreadable files,
 * malformed requests. Admission findings (`Finding`, in spec/finding.ts) are data: a denial is
 * an answer, not an exception.
 */

export interface ErrorSpec {
  /** HTTP status when the error reaches a client (500 = our bug, not the caller's). */
  readonly status: number
  /** What went wrong, in one line; `%s` is replaced by the detail. */
  readonly message: string
}

export const ERRORS = {
  // configuration and start-up
  MN_ERR_CONFIG_INVALID: { status: 500, message: 'invalid configuration: %s' },
  MN_ERR_USAGE: { status: 400, message: '%s' },
  MN_ERR_FILE_READ: { status: 400, message: 'cannot read %s' },
  MN_ERR_MANIFEST_INVALID: { status: 400, message: 'invalid manifest %s' },
  // admission envelope (the API server sent something we cannot answer)
  MN_ERR_REVIEW_MALFORMED: { status: 400, message: 'malformed AdmissionReview: %s' },
  MN_ERR_REVIEW_VERSION: { status: 400, message: 'unsupported AdmissionReview: %s' },
  // HTTP layer
  MN_ERR_HTTP_MEDIA_TYPE: {
    status: 415,
    message: 'unsupported media type %s: send application/json',
  },
  MN_ERR_HTTP_BODY_TOO_LARGE: { status: 413, message: 'request body larger than %s bytes' },
  MN_ERR_HTTP_BAD_BODY: { status: 400, message: 'request body is not valid JSON: %s' },
  MN_ERR_HTTP_NOT_FOUND: { status: 404, message: 'no route %s' },
  MN_ERR_HTTP_TIMEOUT: { status: 408, message: 'request timed out' },
  MN_ERR_INTERNAL: { status: 500, message: 'internal error (request id %s)' },
  // TLS and certificates
  MN_ERR_TLS_LOAD: { status: 500, message: 'cannot load TLS key pair: %s' },
  MN_ERR_CERT_GENERATE: { status: 500, message: 'cannot generate certificate: %s' },
  // cluster access
  MN_ERR_KUBE_CONFIG: { status: 500, message: 'cannot load kubeconfig: %s' },
  MN_ERR_KUBE_API: { status: 500, message: 'Kubernetes API call failed: %s' },
  // kubectl plugin (src/cli/kubectl): cluster access failures that say what to do
  MN_ERR_KUBE_UNREACHABLE: { status: 500, message: 'cannot reach the API server at %s' },
  MN_ERR_KUBE_FORBIDDEN: { status: 500, message: 'not allowed: %s' },
  MN_ERR_KUBE_NOT_FOUND: { status: 404, message: 'not found: %s' },
  // access policy
  MN_ERR_POLICY_INVALID: { status: 400, message: 'invalid access policy %s' },
  // CNI client (src/agent/cni): a network configuration the client cannot run
  MN_ERR_CNI_CONFIG: { status: 400, message: 'invalid CNI network configuration: %s' },
} as const satisfies Record<string, ErrorSpec>

export type ErrorCode = keyof typeof ERRORS

export class MultinetError extends Error {
  readonly code: ErrorCode
  readonly status: number
  /** Extra structured detail for logs and JSON error bodies (never secrets). */
  readonly details: Readonly<Record<string, unknown>> | undefined

  constructor(
    code: ErrorCode,
    detail: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(ERRORS[code].message.replace('%s', detail), { cause: options.cause })
    this.name = 'MultinetError'
    this.code = code
    this.status = ERRORS[code].status
    this.details = options.details
  }
}

export function isMultinetError(err: unknown): err is MultinetError {
  return err instanceof MultinetError
}

/** The message of anything thrown, for wrapping third-party errors into our own. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message
  return String(err)
}
