// The page: the outbox count always in view, then sign-in, the form list, or the form being
// filled (rendered by ODK Web Forms from the same XForm ODK Collect downloads).
import { OdkWebForm, POST_SUBMIT__NEW_INSTANCE, type HostSubmissionResultCallback, type MonolithicInstancePayload } from '@getodk/web-forms';
import { defineComponent, h, ref, type VNode } from 'vue';
import { remove, save, send, signIn, signOut, state, waiting, type LoadedForm } from './state.ts';

function outboxBar(): VNode {
  const n = waiting();
  const refused = state.outbox.length - n;
  return h('div', { class: 'bar', role: 'status' }, [
    h(
      'span',
      { class: n > 0 ? 'count waiting' : 'count', 'data-testid': 'queue-count', 'data-count': n },
      n === 1 ? '1 form waiting to send' : `${n} forms waiting to send`,
    ),
    refused > 0 ? h('span', { class: 'count refused' }, ` · ${refused} refused`) : null,
    h('button', { type: 'button', disabled: state.sending || n === 0, onClick: () => void send() }, state.sending ? 'Sending…' : 'Send now'),
    h(
      'span',
      { class: 'ready', 'data-testid': 'offline-ready', 'data-ready': String(state.offlineReady) },
      state.offlineReady ? 'Works offline' : 'Not ready for offline use yet',
    ),
  ]);
}

const SignIn = defineComponent(() => {
  const link = ref('');
  return () =>
    h('form', { class: 'card', onSubmit: (e: Event) => (e.preventDefault(), void signIn(link.value)) }, [
      h('h2', 'Sign in'),
      h('p', 'Paste the server link the PB team gave you (the one ODK Collect uses). It stays on this device only.'),
      h('label', { for: 'link' }, 'Server link'),
      h('input', {
        id: 'link',
        name: 'link',
        autocomplete: 'off',
        value: link.value,
        onInput: (e: Event) => (link.value = (e.target as HTMLInputElement).value),
      }),
      h('button', { type: 'submit' }, 'Sign in'),
    ]);
});

function formList(): VNode {
  return h('section', { class: 'card' }, [
    h('h2', 'Forms'),
    state.revoked ? h('p', { class: 'problem' }, 'This link has been revoked: ask the PB team for a new one. Forms already filled stay on this device.') : null,
    state.formsProblem ? h('p', { class: 'problem' }, state.formsProblem) : null,
    h(
      'ul',
      { class: 'forms' },
      state.forms.map((f) => h('li', h('button', { type: 'button', 'data-form-id': f.formId, onClick: () => (state.filling = f.formId) }, f.name))),
    ),
    h('button', { type: 'button', class: 'quiet', onClick: () => void signOut() }, 'Sign out of this device'),
  ]);
}

function outboxList(): VNode | null {
  if (state.outbox.length === 0 && state.sent.length === 0) return null;
  return h('section', { class: 'card' }, [
    h('h2', 'On this device'),
    h(
      'ul',
      { class: 'outbox' },
      state.outbox.map((f) =>
        h('li', { class: f.state }, [
          h('strong', f.formName),
          ` saved ${f.savedAt.slice(0, 16).replace('T', ' ')} UTC — ${f.state === 'refused' ? 'refused' : 'waiting'}`,
          f.message ? h('div', { class: 'message' }, f.message) : null,
          f.state === 'refused' ? h('button', { type: 'button', class: 'quiet', onClick: () => void remove(f.instanceId) }, 'Remove') : null,
        ]),
      ),
    ),
    state.sent.length > 0 ? h('h3', 'Sent') : null,
    h(
      'ul',
      { class: 'sent' },
      state.sent.slice(0, 20).map((f) => h('li', [h('strong', f.formName), ` ${f.sentAt.slice(0, 16).replace('T', ' ')} UTC: ${f.message}`])),
    ),
  ]);
}

function filling(form: LoadedForm): VNode {
  const onSubmit = async (payload: MonolithicInstancePayload, done: HostSubmissionResultCallback) => {
    if (payload.status !== 'ready') return;
    try {
      await save(form, payload.data[0]);
      done({ next: POST_SUBMIT__NEW_INSTANCE });
      window.scrollTo(0, 0);
    } catch (err) {
      state.notice = `Not saved: ${(err as Error).message}`;
      done();
    }
  };
  // Media come from the form's manifest, through the service worker's cache when offline.
  const fetchFormAttachment = (url: URL) => {
    const name = decodeURIComponent(url.pathname.split('/').pop() ?? '');
    const file = form.media.find((m) => m.filename === name);
    return file ? fetch(file.downloadPath) : Promise.resolve(new Response('', { status: 404 }));
  };
  return h('section', { class: 'filling' }, [
    h('button', { type: 'button', class: 'quiet back', onClick: () => (state.filling = undefined) }, '← All forms'),
    h(OdkWebForm, { key: `${form.formId}:${form.version}`, formXml: form.xml, fetchFormAttachment, onSubmit }),
  ]);
}

/** The root component. */
export const App = defineComponent(() => () => {
  const form = state.forms.find((f) => f.formId === state.filling);
  return h('main', [
    h('header', [h('h1', 'Sauti field'), outboxBar()]),
    state.notice ? h('p', { class: 'notice', role: 'alert' }, state.notice) : null,
    !window.isSecureContext
      ? h('p', { class: 'problem' }, 'This page was opened over plain HTTP: forms cannot be filled or kept offline here. Open the https:// address.')
      : null,
    !state.token ? h(SignIn) : form ? filling(form) : [formList(), outboxList()],
  ]);
});
