/**
 * The `preauth` prompt. It sits at index 0 of the interaction policy so it
 * fires before `login` would: a redemption must never show a login page.
 */
import { interactionPolicy } from 'oidc-provider';
import { redemptionOf } from './redemption.js';

const { Prompt, Check } = interactionPolicy;

export function preauthPrompt() {
  return new Prompt(
    { name: 'preauth', requestable: false },
    new Check('handoff_redemption', 'a pre-authenticated login is being redeemed', (ctx) =>
      redemptionOf(ctx) ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT),
  );
}

export function interactionPolicyWithPreauth() {
  const policy = interactionPolicy.base();
  policy.add(preauthPrompt(), 0);
  return policy;
}
