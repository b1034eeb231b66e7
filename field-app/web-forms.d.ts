// The part of @getodk/web-forms (a Vue component library shipped without type declarations) that
// the field app uses; see the package's README for the component's props and events.
declare module '@getodk/web-forms' {
  import type { Component, Plugin } from 'vue';

  /** The Vue plugin that sets up PrimeVue for the form component. */
  export const webFormsPlugin: Plugin;
  /** `<OdkWebForm :form-xml :fetch-form-attachment @submit>` */
  export const OdkWebForm: Component;
  /** Given to the submit callback as `next`: the form starts a new, empty instance. */
  export const POST_SUBMIT__NEW_INSTANCE: unique symbol;

  /** The payload of `submit` (xforms-engine's MonolithicInstancePayload). */
  export interface MonolithicInstancePayload {
    readonly status: 'pending' | 'ready';
    /** One FormData: `xml_submission_file` and the attachments, each a File. */
    readonly data: readonly [FormData];
  }
  export type HostSubmissionResultCallback = (result?: { next?: typeof POST_SUBMIT__NEW_INSTANCE }) => void;
}
