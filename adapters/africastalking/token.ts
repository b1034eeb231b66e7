// Africa's Talking signs nothing, so callbacks carry a secret token in the URL path (SAUTI_CALLBACK_TOKEN).
export { tokenMatcher } from '../../src/domain/token.ts';
