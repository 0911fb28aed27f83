// The errors that are the user's to fix (a bad flag, a plan or scenario that does not hold, a lab
// that is not there, a trace to nowhere). Their message is complete: the CLI prints it alone,
// without a stack, and the dashboard answers 400. Recognised by `instanceof UserError`.
export class UserError extends Error {}
