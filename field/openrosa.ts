// OpenRosa's XML answers (docs.getodk.org/openrosa-form-list, openrosa-form-submission): the
// form list and the OpenRosaResponse every submission answer carries. Renderers only.
import { esc, type FieldForm } from './xforms.ts';

/** The `xforms` form list, each form's download URL (and manifest URL when it has media) under `base`, the officer's server URL. */
export function formListXml(forms: readonly FieldForm[], base: string): string {
  const items = forms.map(
    (f) =>
      `<xform><formID>${esc(f.formId)}</formID><name>${esc(f.name)}</name><version>${esc(f.version)}</version>` +
      `<hash>${esc(f.hash)}</hash><downloadUrl>${esc(`${base}/forms/${f.formId}.xml`)}</downloadUrl>` +
      (f.media.length > 0 ? `<manifestUrl>${esc(`${base}/forms/${f.formId}/manifest`)}</manifestUrl>` : '') +
      '</xform>',
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n<xforms xmlns="http://openrosa.org/xforms/xformsList">${items.join('')}</xforms>\n`;
}

/** A form's manifest (docs.getodk.org/openrosa-form-list, "Manifest document"): each media file's name, md5 hash and download URL. */
export function manifestXml(form: FieldForm, base: string): string {
  const files = form.media.map(
    (m) =>
      `<mediaFile><filename>${esc(m.filename)}</filename><hash>${esc(m.hash)}</hash><downloadUrl>${esc(`${base}/forms/${form.formId}/media/${m.filename}`)}</downloadUrl></mediaFile>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n<manifest xmlns="http://openrosa.org/xforms/xformsManifest">${files.join('')}</manifest>\n`;
}

/** An OpenRosaResponse with one message, which ODK Collect shows to the officer. */
export function openRosaResponse(message: string, nature: 'submit_success' | 'error' = 'error'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<OpenRosaResponse xmlns="http://openrosa.org/http/response"><message nature="${nature}">${esc(message)}</message></OpenRosaResponse>\n`;
}
