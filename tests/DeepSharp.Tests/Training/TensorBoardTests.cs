using System.Buffers.Binary;
using System.Text;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Tests.Training;

/// <summary>
/// The TensorBoard callback's event files, read back by an independent reader (its own bitwise CRC-32C and protobuf
/// decoding): record framing and both CRCs of every record, the file_version event first, then one event per epoch whose
/// tags and values are History's, training in logDir/train and validation in logDir/validation as Keras writes them.
/// </summary>
public sealed class TensorBoardTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private sealed record Event(double WallTime, long Step, string? FileVersion, List<(string Tag, float Value)> Values);

    /// <summary>CRC-32C bit by bit (polynomial 0x82F63B78 reflected), the test's own.</summary>
    private static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
        }
        return ~crc;
    }

    private static uint Masked(ReadOnlySpan<byte> data)
    {
        uint crc = Crc32C(data);
        return unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u);
    }

    /// <summary>Every complete record of the file, its CRCs checked; a cut-short record at the end stops reading.</summary>
    private static List<byte[]> Records(byte[] file, out bool truncated)
    {
        var records = new List<byte[]>();
        int at = 0;
        truncated = false;
        while (at < file.Length)
        {
            if (file.Length - at < 12) { truncated = true; break; }
            var header = file.AsSpan(at, 8);
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(header);
            Assert.Equal(Masked(header), BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 8)));
            if ((ulong)(file.Length - at - 12) < length + 4) { truncated = true; break; }
            var data = file.AsSpan(at + 12, (int)length);
            Assert.Equal(Masked(data), BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 12 + (int)length)));
            records.Add(data.ToArray());
            at += 16 + (int)length;
        }
        return records;
    }

    private static ulong Varint(byte[] b, ref int at)
    {
        ulong v = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte x = b[at++];
            v |= (ulong)(x & 0x7F) << shift;
            if (x < 0x80) return v;
        }
    }

    /// <summary>(field, wire type, value bytes or varint) of each field of one protobuf message.</summary>
    private static IEnumerable<(int Field, int Wire, ulong Number, byte[] Bytes)> Fields(byte[] message)
    {
        int at = 0;
        var fields = new List<(int, int, ulong, byte[])>();
        while (at < message.Length)
        {
            ulong key = Varint(message, ref at);
            int field = (int)(key >> 3), wire = (int)(key & 7);
            switch (wire)
            {
                case 0: fields.Add((field, wire, Varint(message, ref at), [])); break;
                case 1: fields.Add((field, wire, 0, message[at..(at + 8)])); at += 8; break;
                case 5: fields.Add((field, wire, 0, message[at..(at + 4)])); at += 4; break;
                case 2:
                    int n = (int)Varint(message, ref at);
                    fields.Add((field, wire, 0, message[at..(at + n)]));
                    at += n;
                    break;
                default: throw new InvalidDataException($"wire type {wire}");
            }
        }
        return fields;
    }

    private static Event Parse(byte[] record)
    {
        double wall = 0;
        long step = 0;
        string? version = null;
        var values = new List<(string, float)>();
        foreach (var (field, wire, number, bytes) in Fields(record))
        {
            if (field == 1 && wire == 1) wall = BinaryPrimitives.ReadDoubleLittleEndian(bytes);
            else if (field == 2 && wire == 0) step = (long)number;
            else if (field == 3 && wire == 2) version = Encoding.UTF8.GetString(bytes);
            else if (field == 5 && wire == 2)
                foreach (var value in Fields(bytes).Where(f => f.Field == 1))
                {
                    var parts = Fields(value.Bytes).ToList();
                    string tag = Encoding.UTF8.GetString(parts.Single(p => p.Field == 1).Bytes);
                    float v = BinaryPrimitives.ReadSingleLittleEndian(parts.Single(p => p.Field == 2 && p.Wire == 5).Bytes);
                    values.Add((tag, v));
                }
            else Assert.Fail($"unexpected field {field} (wire {wire}) in an Event");
        }
        return new Event(wall, step, version, values);
    }

    private static List<Event> ReadEvents(string folder)
    {
        var file = Assert.Single(Directory.GetFiles(folder));
        Assert.Contains(".tfevents.", Path.GetFileName(file));
        var events = Records(File.ReadAllBytes(file), out bool truncated).Select(Parse).ToList();
        Assert.False(truncated);
        return events;
    }

    [Fact]
    public void Crc32CMatchesTheStandardCheckValue() =>
        Assert.Equal(0xE3069283u, Crc32C("123456789"u8));

    [Fact]
    public void EpochValuesGoToTrainAndValidationFoldersAsKerasWritesThem()
    {
        RandomGenerator.SetGlobalSeed(5);
        var x = Tensor.RandomUniform(new Shape(40, 4), -1f, 1f, new RandomGenerator(1));
        var labels = Tensor.FromArray(Enumerable.Range(0, 40).Select(i => i % 3).ToArray(), 40);
        var model = new Sequential(new Dense(8, Activation.Relu, inputShape: [4]), new Dense(3, Activation.Softmax));
        model.Compile(new Adam(0.01f), "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        string logs = Path.Combine(_temp.Path, "logs");
        var board = new TensorBoard(logs);
        double start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0 - 1;
        var history = model.Fit(x, labels, epochs: 3, batchSize: 8, validationSplit: 0.25f, verbose: 0, callbacks: [board]);

        var train = ReadEvents(Path.Combine(logs, "train"));
        Assert.Equal("brain.Event:2", train[0].FileVersion);
        Assert.Equal(4, train.Count);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            var e = train[epoch + 1];
            Assert.Equal(epoch, e.Step);
            Assert.True(e.WallTime >= start && e.WallTime < start + 3600, $"wall time {e.WallTime}");
            Assert.Equal(["epoch_accuracy", "epoch_learning_rate", "epoch_loss"], e.Values.Select(v => v.Tag).Order(StringComparer.Ordinal));
            Assert.Equal((float)history["loss"][epoch], e.Values.Single(v => v.Tag == "epoch_loss").Value);
            Assert.Equal((float)history["accuracy"][epoch], e.Values.Single(v => v.Tag == "epoch_accuracy").Value);
            Assert.Equal(0.01f, e.Values.Single(v => v.Tag == "epoch_learning_rate").Value);
        }
        var validation = ReadEvents(Path.Combine(logs, "validation"));
        Assert.Equal("brain.Event:2", validation[0].FileVersion);
        Assert.Equal(4, validation.Count);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            var e = validation[epoch + 1];
            Assert.Equal(epoch, e.Step);
            Assert.Equal(["epoch_accuracy", "epoch_loss"], e.Values.Select(v => v.Tag).Order(StringComparer.Ordinal));
            Assert.Equal((float)history["val_loss"][epoch], e.Values.Single(v => v.Tag == "epoch_loss").Value);
            Assert.Equal((float)history["val_accuracy"][epoch], e.Values.Single(v => v.Tag == "epoch_accuracy").Value);
        }
        Assert.Equal(board.TrainFile, Assert.Single(Directory.GetFiles(Path.Combine(logs, "train"))));

        // A cut-short last record (a crash mid-write) leaves every earlier record readable.
        var bytes = File.ReadAllBytes(board.TrainFile!);
        var cut = Records(bytes[..^5], out bool truncated);
        Assert.True(truncated);
        Assert.Equal(3, cut.Count);
    }

    [Fact]
    public void BatchValuesEveryNStepsAndANewFilePerFit()
    {
        RandomGenerator.SetGlobalSeed(6);
        var x = Tensor.RandomUniform(new Shape(20, 2), -1f, 1f, new RandomGenerator(2));
        var y = Tensor.RandomUniform(new Shape(20, 1), -1f, 1f, new RandomGenerator(3));
        var model = new Sequential(new Dense(1, inputShape: [2]));
        model.Compile(new Sgd(0.1f), "mse");
        string logs = Path.Combine(_temp.Path, "batches");
        var board = new TensorBoard(logs, updateFreq: 2);
        model.Fit(x, y, epochs: 2, batchSize: 5, verbose: 0, callbacks: [board]); // 4 steps per epoch
        var events = ReadEvents(Path.Combine(logs, "train"));
        var batchSteps = events.Where(e => e.Values.Any(v => v.Tag == "batch_loss")).Select(e => e.Step).ToArray();
        Assert.Equal([2L, 4, 6, 8], batchSteps);
        Assert.Equal(2, events.Count(e => e.Values.Any(v => v.Tag == "epoch_loss")));
        Assert.False(Directory.Exists(Path.Combine(logs, "validation")));
        Assert.Null(board.ValidationFile);

        model.Fit(x, y, epochs: 1, batchSize: 5, verbose: 0, callbacks: [board]);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(logs, "train")).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TensorBoard(logs, updateFreq: 0));
    }
}
