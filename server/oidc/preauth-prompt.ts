/**
 * The `preauth` prompt. It sits at index 0 of the interaction policy so it
 * fires before `login` would: a redemption must never show a login page.
 */
import { interactionPolicy } from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { redemptionOf, type Redemption } from './redemption.js';

/** Completes the login in place when it can (preauth-sign-in.ts); true means nothing is left to prompt for. */
export type DirectSignIn = (ctx: KoaContextWithOIDC, redemption: Redemption) => Promise<boolean>;

const { Prompt, Check } = interactionPolicy;

export function preauthPrompt(signIn?: DirectSignIn) {
  return new Prompt(
    { name: 'preauth', requestable: false },
    new Check('handoff_redemption', 'a pre-authenticated login is being redeemed', async (ctx) => {
      const redemption = redemptionOf(ctx);
      if (!redemption) return Check.NO_NEED_TO_PROMPT;
      // Once per request: a signed-in redemption must not sign in again.
      if (signedIn.has(ctx.req)) return Check.NO_NEED_TO_PROMPT;
      if (signIn && await signIn(ctx, redemption)) {
        signedIn.add(ctx.req);
        return Check.NO_NEED_TO_PROMPT;
      }
      return Check.REQUEST_PROMPT;
    }),
  );
}

const signedIn = new WeakSet<object>();

export function interactionPolicyWithPreauth(signIn?: DirectSignIn) {
  const policy = interactionPolicy.base();
  policy.add(preauthPrompt(signIn), 0);
  return policy;
}
