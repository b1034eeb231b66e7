// The ceiling for bench:ussd and bench:voice: an express app that parses the same forms and answers at once.
import express from 'express';

const app = express();
app.post('/africastalking/ussd/:token', express.urlencoded({ extended: false, limit: '8kb' }), (req, res) => {
  const body = req.body as Record<string, string>;
  res.type('text/plain').send(`CON ${body.sessionId ? 'hello' : 'missing'}`);
});
// A voice answer shaped like the gateway's: a GetDigits with its callback URL and a few clips.
app.post('/africastalking/voice/:token', express.urlencoded({ extended: false, limit: '8kb' }), (req, res) => {
  const body = req.body as Record<string, string>;
  if (body.isActive === '0') return void res.status(200).type('text/plain').send('');
  const base = `${req.protocol}://${req.get('host')}/africastalking/voice/${req.params.token}`;
  const play = ['voice.menu.vote', 'voice.menu.propose', 'voice.menu.language'].map((k) => `<Play url="${base}/prompts/en/${k}.wav"/>`).join('');
  res
    .type('application/xml')
    .send(
      `<?xml version="1.0" encoding="UTF-8"?><Response><GetDigits timeout="10" numDigits="1" finishOnKey="#" callbackUrl="${base}?hop=1">${play}</GetDigits><Redirect>${base}?hop=1&amp;silent=1</Redirect></Response>`,
    );
});
const server = app.listen(0, '127.0.0.1', () => {
  const addr = server.address() as { port: number };
  console.log(`listening on http://127.0.0.1:${addr.port}`);
});
server.keepAliveTimeout = 65_000;
