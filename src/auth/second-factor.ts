/** Whether a user has a second factor to prove after the password; the MFA module answers. */
export type SecondFactorCheck = (userId: string) => Promise<boolean>;

/**
 * The sign-in paths ask this before starting a session; a module that brings a second
 * factor (src/modules/mfa) plugs its check in. Without one, nobody owes a second factor.
 */
export function createSecondFactorGate() {
  const checks: SecondFactorCheck[] = [];
  return {
    add(check: SecondFactorCheck): void {
      checks.push(check);
    },
    async isRequiredFor(userId: string): Promise<boolean> {
      for (const check of checks) if (await check(userId)) return true;
      return false;
    },
  };
}

export type SecondFactorGate = ReturnType<typeof createSecondFactorGate>;
