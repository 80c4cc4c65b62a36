// The one error a .prompt file that cannot be read, parsed into a task or rendered raises: its
// message names the file (and the line where one is known).
export class PromptFileError extends Error {}
