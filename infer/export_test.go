package infer

// DrawProbe is drawProbe, the smallest chunk of draws.
const DrawProbe = drawProbe
