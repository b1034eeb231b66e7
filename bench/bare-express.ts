// The ceiling for bench:ussd: an express app that parses the same form and answers at once.
import express from 'express';

const app = express();
app.post('/africastalking/ussd/:token', express.urlencoded({ extended: false, limit: '8kb' }), (req, res) => {
  const body = req.body as Record<string, string>;
  res.type('text/plain').send(`CON ${body.sessionId ? 'hello' : 'missing'}`);
});
const server = app.listen(0, '127.0.0.1', () => {
  const addr = server.address() as { port: number };
  console.log(`listening on http://127.0.0.1:${addr.port}`);
});
server.keepAliveTimeout = 65_000;
