// msgpackr loads this in a try/catch and uses its JavaScript decoder when it throws.
throw new Error('msgpackr-extract (native) is not installed in Sauti; msgpackr uses JavaScript');
