// The one message about workspace trust between the extension and the language server. The
// server starts with `initializationOptions.trusted` and is told when the user grants trust.
// A client that never says (another editor) leaves the server trusting the workspace.

/** Notification from the client: `{ trusted: boolean }`. */
export const WORKSPACE_TRUST_NOTIFICATION = 'promptsmith/workspaceTrust';
