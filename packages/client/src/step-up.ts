import { ApolloLink } from '@apollo/client';
import { getMainDefinition } from '@apollo/client/utilities';
import { Kind, OperationTypeNode, type FormattedExecutionResult } from 'graphql';
import { Observable, type Subscription } from 'rxjs';
import { graphQLErrorsOf } from './errors.js';

/** Why the server refused an operation until the user proves a factor. */
export type StepUpReason = 'MFA_REQUIRED' | 'REAUTH_REQUIRED';

/** What `onStepUp` is asked to resolve. */
export interface StepUpChallenge {
  /**
   * `MFA_REQUIRED`: the session owes its second factor (ask for a code, run `VerifyMfaDocument`).
   * `REAUTH_REQUIRED`: the operation needs a recent sign-in (ask for the password, or the code
   * when MFA is on, and run `ReauthenticateDocument`).
   */
  reason: StepUpReason;
  /** The refused operation, e.g. `ChangePassword`, to say what the proof is for. */
  operationName?: string;
}

/**
 * Prompts the user and runs `verifyMfa` or `reauthenticate` through the same client (the
 * kit stores the new tokens). True: the refused operation is sent again, once; false (or a
 * rejection): its refusal reaches the caller.
 */
export type StepUpHandler = (challenge: StepUpChallenge) => Promise<boolean>;

const STEP_UP_REASONS: ReadonlySet<unknown> = new Set<StepUpReason>(['MFA_REQUIRED', 'REAUTH_REQUIRED']);
// The answers to a challenge: a refusal of one is the prompt's to show, and waiting for
// the open prompt would wait for itself.
const CHALLENGE_ANSWER_FIELDS = new Set(['verifyMfa', 'reauthenticate']);

interface Prompt {
  /** The access token of the operation whose refusal opened it. */
  from: string | null;
  /** True once the user stepped up. */
  result: Promise<boolean>;
  /** Its answer, once there is one. */
  settled?: boolean;
}

/**
 * Turns a `FORBIDDEN` `MFA_REQUIRED` / `REAUTH_REQUIRED` answer into one prompt, then one
 * resend. Operations refused while a prompt is open wait for that prompt; one refused with
 * a token a successful prompt has since replaced is resent without asking again.
 */
export function stepUpLink(onStepUp: StepUpHandler): ApolloLink {
  let last: Prompt | undefined;

  // Synchronous up to the prompt's start, so that failures arriving together share it.
  const stepUp = (usedToken: string | null, challenge: StepUpChallenge): Promise<boolean> => {
    if (last !== undefined && last.settled === undefined) return last.result;
    if (last?.settled === true && last.from === usedToken) return last.result;
    const prompt: Prompt = { from: usedToken, result: Promise.resolve(false) };
    prompt.result = Promise.resolve()
      .then(() => onStepUp(challenge))
      .then(
        (answer) => answer === true,
        () => false,
      )
      .then((answer) => {
        prompt.settled = answer;
        return answer;
      });
    last = prompt;
    return prompt.result;
  };

  return new ApolloLink((operation, forward) => {
    const definition = getMainDefinition(operation.query);
    if (
      definition.kind !== Kind.OPERATION_DEFINITION ||
      definition.operation === OperationTypeNode.SUBSCRIPTION ||
      definition.selectionSet.selections.some((selection) => selection.kind === Kind.FIELD && CHALLENGE_ANSWER_FIELDS.has(selection.name.value))
    ) {
      return forward(operation);
    }
    return new Observable<ApolloLink.Result>((observer) => {
      let inner: Subscription | undefined;
      let closed = false;
      const send = (resent: boolean) => {
        let held = false;
        inner = forward(operation).subscribe({
          next: (result) => {
            const reason = resent ? undefined : stepUpReasonOf(result, definition);
            if (reason === undefined) return observer.next(result);
            held = true;
            const challenge: StepUpChallenge = { reason, ...(operation.operationName && { operationName: operation.operationName }) };
            void stepUp(bearerOf(operation.getContext()), challenge).then((again) => {
              if (closed) return;
              if (again) return send(true);
              observer.next(result);
              observer.complete();
            });
          },
          error: (error: unknown) => observer.error(error),
          complete: () => {
            if (!held) observer.complete();
          },
        });
      };
      send(false);
      return () => {
        closed = true;
        inner?.unsubscribe();
      };
    });
  });
}

/**
 * The step-up reason of a refused answer that is safe to send again: a query (reads change
 * nothing), or a mutation each of whose root fields failed with an error of its own. A
 * root field without one, or with errors only below it, ran and may have done its work
 * (and `data: null` proves nothing: one failed non-null field nulls them all), so such a
 * mutation is not resent.
 */
function stepUpReasonOf(result: FormattedExecutionResult, definition: ReturnType<typeof getMainDefinition>): StepUpReason | undefined {
  const errors = graphQLErrorsOf(result);
  const refusal = errors.find((error) => error.extensions?.code === 'FORBIDDEN' && STEP_UP_REASONS.has(error.extensions.reason));
  if (refusal === undefined || definition.kind !== Kind.OPERATION_DEFINITION) return undefined;
  if (definition.operation === OperationTypeNode.MUTATION) {
    // Path of length 1: the root field itself failed (an error below it means it ran).
    const failed = new Set(errors.filter((error) => error.path?.length === 1).map((error) => error.path![0]));
    const safe = definition.selectionSet.selections.every(
      (selection) => selection.kind === Kind.FIELD && failed.has(selection.alias?.value ?? selection.name.value),
    );
    if (!safe) return undefined;
  }
  return refusal.extensions!.reason as StepUpReason;
}

/** The access token the auth link sent with the operation's last attempt. */
function bearerOf(context: ApolloLink.OperationContext): string | null {
  const header = (context as { headers?: Record<string, string> }).headers?.authorization;
  return header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : null;
}
