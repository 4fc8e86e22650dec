// The audio front end's speed: the real FFT against the naive DFT (512 points), and MelSpectrogram on a batch of
// 32 one-second clips against one training step of `deepsharp train speech-digits`'s conv1d model on the same
// batch; interleaved in one process, medians of nine rounds. Run from this folder: dotnet run front-end-speed.cs
// (a .NET 10 file-based app; it takes DeepSharp.Bench's assembly name to reach the internal kernels).
#:project ../../src/DeepSharp/DeepSharp.csproj
#:property Configuration=Release
#:property PublishAot=false
#:property AssemblyName=DeepSharp.Bench
#:property JsonSerializerIsReflectionEnabledByDefault=true
using System.Diagnostics;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;

RandomGenerator.SetGlobalSeed(1);
var frame = Tensor.RandomUniform(new Shape(512), -1f, 1f, new RandomGenerator(2L)).ToArray();
var re = new float[257];
var im = new float[257];
var scratch = new float[512];
var clips = Tensor.RandomUniform(new Shape(32, 16000), -0.5f, 0.5f, new RandomGenerator(3L));
var labels = Tensor.FromArray(Enumerable.Range(0, 32).Select(i => i % 10).ToArray(), 32);
var mel = new MelSpectrogram(512, 160, 400, samplingRate: 16000, numMelBins: 40, maxFreq: 8000);
var model = new Sequential(
    new MelSpectrogram(512, 160, 400, samplingRate: 16000, numMelBins: 40, maxFreq: 8000, inputShape: [16000]),
    new BatchNormalization(),
    new SpecAugment(2, 6, 2, 10),
    new Conv1D(64, 5, padding: Padding.Same, activation: Activation.Relu), new BatchNormalization(), new MaxPooling1D(2),
    new Conv1D(96, 3, padding: Padding.Same, activation: Activation.Relu), new BatchNormalization(), new MaxPooling1D(2),
    new Conv1D(128, 3, padding: Padding.Same, activation: Activation.Relu),
    new GlobalAveragePooling1D(), new Dropout(0.3f), new Dense(10, Activation.Softmax));
model.Compile(new Adam(), new SparseCategoricalCrossentropy());

double Time(Action a, int reps) { var sw = Stopwatch.StartNew(); for (int i = 0; i < reps; i++) a(); return sw.Elapsed.TotalMilliseconds / reps; }
for (int i = 0; i < 3; i++) { Fft.Real(frame, re, im, scratch); NaiveDft.Real(frame, re, im); mel.Call(clips); model.TrainOnBatch(clips, labels); }
var fft = new List<double>(); var dft = new List<double>(); var front = new List<double>(); var step = new List<double>();
for (int round = 0; round < 9; round++)
{
    fft.Add(Time(() => Fft.Real(frame, re, im, scratch), 2000) * 1000);
    dft.Add(Time(() => NaiveDft.Real(frame, re, im), 20) * 1000);
    front.Add(Time(() => mel.Call(clips), 5));
    step.Add(Time(() => model.TrainOnBatch(clips, labels), 3));
}
double Median(List<double> v) { v.Sort(); return v[v.Count / 2]; }
Console.WriteLine($"512-point real FFT: {Median(fft):F2} µs; naive DFT: {Median(dft):F0} µs ({Median(dft) / Median(fft):F0}x)");
Console.WriteLine($"MelSpectrogram, 32 clips of 1 s (98 frames each): {Median(front):F1} ms; conv1d training step on them: {Median(step):F1} ms (front end {Median(front) / Median(step):P0} of it)");
