// The africastalking package ships no types; this declares the part Sauti uses.
declare module 'africastalking' {
  interface Recipient {
    statusCode: number;
    status: string;
    number: string;
    messageId: string;
    cost: string;
    messageParts?: number;
  }
  export interface SmsResponse {
    SMSMessageData: { Message: string; Recipients: Recipient[] };
  }
  interface AfricasTalking {
    SMS: { send(params: { to: string[] | string; message: string; from?: string; enqueue?: boolean }): Promise<SmsResponse> };
  }
  export default function AfricasTalking(options: { username: string; apiKey: string }): AfricasTalking;
}
