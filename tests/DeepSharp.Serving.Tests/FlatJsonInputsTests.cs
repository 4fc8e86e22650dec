using System.Globalization;
using System.Text;
using System.Text.Json;

namespace DeepSharp.Serving.Tests;

/// <summary>
/// The one-pass reader of <c>{"inputs": [[...], ...]}</c> (<see cref="FlatJsonInputs"/>) against
/// System.Text.Json's: the same float32 bits for every number it takes, and a refusal (so the general
/// reader decides, with its message) for every body or number it does not.
/// </summary>
public class FlatJsonInputsTests
{
    /// <summary>What the general reader makes of a number token: Utf8JsonReader.TryGetDouble, then float32.</summary>
    private static float Reference(string number)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(number));
        Assert.True(reader.Read());
        Assert.True(reader.TryGetDouble(out double value));
        return (float)value;
    }

    private static bool Fast(string number, out float value) => FlatJsonInputs.TryNumber(Encoding.UTF8.GetBytes(number), out value);

    [Theory]
    [InlineData("0")]
    [InlineData("-0")]
    [InlineData("1")]
    [InlineData("0.5")]
    [InlineData("-0.001")]
    [InlineData("0.1")]
    [InlineData("0.3")]
    [InlineData("123456789012345")]
    [InlineData("0.00000000000001")]
    [InlineData("1.0000001")]
    [InlineData("16777217")]
    [InlineData("0.123456789012345")]
    public void PlainDecimalsGiveTheGeneralReadersBits(string number)
    {
        Assert.True(Fast(number, out float value), $"{number} was declined");
        Assert.Equal(BitConverter.SingleToInt32Bits(Reference(number)), BitConverter.SingleToInt32Bits(value));
    }

    [Fact]
    public void RandomDecimalsGiveTheGeneralReadersBits()
    {
        var random = new Random(17);
        int taken = 0;
        for (int n = 0; n < 20_000; n++)
        {
            int whole = random.Next(0, 8), places = random.Next(0, Math.Min(12, 16 - whole)); // at most 15 digits
            var text = new StringBuilder();
            if (random.Next(3) == 0) text.Append('-');
            text.Append(whole == 0 ? "0" : random.Next(1, 10).ToString(CultureInfo.InvariantCulture));
            for (int d = 1; d < whole; d++) text.Append((char)('0' + random.Next(10)));
            if (places > 0) text.Append('.');
            for (int d = 0; d < places; d++) text.Append((char)('0' + random.Next(10)));
            string number = text.ToString();
            Assert.True(Fast(number, out float value), $"{number} was declined");
            Assert.True(BitConverter.SingleToInt32Bits(Reference(number)) == BitConverter.SingleToInt32Bits(value), $"{number}: {value:R} vs {Reference(number):R}");
            taken++;
        }
        // The round trip of random float32 values, as clients write them ("R" / shortest form).
        for (int n = 0; n < 20_000; n++)
        {
            float f = (float)(random.NextDouble() * Math.Pow(10, random.Next(-6, 6)) * (random.Next(2) == 0 ? -1 : 1));
            string number = f.ToString("R", CultureInfo.InvariantCulture);
            if (!Fast(number, out float value)) continue; // "1E-06" and such: the general reader's
            Assert.Equal(f, value);
            taken++;
        }
        Assert.True(taken > 30_000, $"only {taken} numbers took the fast path");
    }

    [Theory]
    [InlineData("01")]
    [InlineData("1.")]
    [InlineData(".5")]
    [InlineData("-")]
    [InlineData("+1")]
    [InlineData("1e5")]
    [InlineData("1E-5")]
    [InlineData("0x10")]
    [InlineData("NaN")]
    [InlineData("1234567890123456")]                // 16 digits
    [InlineData("3.4028234663852886")]
    [InlineData("0.100000001490116119384765625")]
    [InlineData("0.000000000000000000001")]          // the zeros after the point count
    [InlineData("1.5a")]
    [InlineData("")]
    public void OtherNumbersAreLeftToTheGeneralReader(string number) => Assert.False(Fast(number, out _));

    public static TheoryData<string, int> Bodies => new()
    {
        { """{"inputs": [[1, 2, 3]]}""", 1 },
        { """ {"inputs":[[1,2,3],[-4.5,0,0.25]]} """, 2 },
        { "{\n\t\"inputs\" :\r\n [ [ 1 , 2 , 3 ] ]\n}\n", 1 },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public void PlainBodiesGiveTheirValues(string body, int count)
    {
        Assert.True(FlatJsonInputs.TryParse(Encoding.UTF8.GetBytes(body), 3, 4, out var result));
        Assert.Equal(count, result.Count);
        var expected = JsonDocument.Parse(body).RootElement.GetProperty("inputs").EnumerateArray().SelectMany(i => i.EnumerateArray().Select(v => (float)v.GetDouble())).ToArray();
        Assert.Equal(expected, result.Values.AsSpan(0, count * 3).ToArray());
    }

    [Theory]
    [InlineData("""{"inputs": [[1, 2]]}""")]                   // too few values
    [InlineData("""{"inputs": [[1, 2, 3, 4]]}""")]             // too many
    [InlineData("""{"inputs": []}""")]                         // empty
    [InlineData("""{"inputs": [[1, 2, 3],]}""")]               // trailing comma
    [InlineData("""{"inputs": [[1, 2, 3,]]}""")]
    [InlineData("""{"inputs": [[1, 2, 3]], "x": 1}""")]        // another key
    [InlineData("""{"inputs": [[1, 2, 3]]} {}""")]             // two values
    [InlineData("""{"inputs": [[1, 2, 3]]""")]                 // cut short
    [InlineData("""{"inputs": [[[1, 2, 3]]]}""")]              // nested
    [InlineData("""{"inputs": [[1, 2, NaN]]}""")]
    [InlineData("""{"inputs": [[1, 2, 3e0]]}""")]
    [InlineData("""{"\u0069nputs": [[1, 2, 3]]}""")]
    [InlineData("""{"inputs": [[1, 2, 3], [1, 2, 3], [1, 2, 3], [1, 2, 3], [1, 2, 3]]}""")] // more than 4 inputs
    [InlineData("""{"text": "hello"}""")]
    [InlineData("\uFEFF{\"inputs\": [[1, 2, 3]]}")]
    public void OtherBodiesAreLeftToTheGeneralReader(string body) =>
        Assert.False(FlatJsonInputs.TryParse(Encoding.UTF8.GetBytes(body), 3, 4, out _));
}
