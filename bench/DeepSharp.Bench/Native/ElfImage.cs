using System.Buffers.Binary;
using System.Text;

namespace DeepSharp.Bench.Native;

// A read-mostly view of an ELF64 little-endian file held in memory: just enough to walk the
// section headers and the GNU symbol-versioning sections (.gnu.version_r needs, .gnu.version_d
// definitions). Layouts from the System V gABI and the LSB "Symbol Versioning" chapter:
//   Elf64_Ehdr: e_shoff @0x28 (u64), e_shentsize @0x3A, e_shnum @0x3C, e_shstrndx @0x3E (u16)
//   Elf64_Shdr (64 bytes): sh_name @0, sh_type @4, sh_offset @24, sh_size @32, sh_link @40, sh_info @44
//   Elf64_Verneed (16): vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32
//   Elf64_Vernaux (16): vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32
//   Elf64_Verdef  (20): vd_version u16, vd_flags u16, vd_ndx u16, vd_cnt u16, vd_hash u32, vd_aux u32, vd_next u32
//   Elf64_Verdaux  (8): vda_name u32, vda_next u32
// Every offset read from the file is bounds-checked; a malformed file raises InvalidDataException.

/// <summary>One section header of an ELF64 file.</summary>
internal readonly record struct ElfSection(int Index, uint NameOffset, uint Type, long Offset, long Size, uint Link, uint Info);

/// <summary>A version-need auxiliary entry: the version <see cref="Name"/> needed from <see cref="File"/>.</summary>
internal readonly record struct ElfVersionNeed(string File, string Name, ushort Flags, int FlagsOffset);

/// <summary>An ELF64 little-endian image in memory, with the section and versioning walks the bench needs.</summary>
internal sealed class ElfImage
{
    public const uint ShtGnuVerdef = 0x6ffffffd;
    public const uint ShtGnuVerneed = 0x6ffffffe;
    public const ushort VerFlagWeak = 0x2;

    private const int ShdrSize = 64;

    public ElfImage(byte[] bytes, string path)
    {
        Bytes = bytes;
        Path = path;
        if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
            throw Bad("not an ELF file");
        if (bytes[4] != 2) throw Bad($"ELF class {bytes[4]} is not ELFCLASS64");
        if (bytes[5] != 1) throw Bad($"ELF data encoding {bytes[5]} is not little-endian");
        Sections = ReadSections();
    }

    public byte[] Bytes { get; }
    public string Path { get; }
    public IReadOnlyList<ElfSection> Sections { get; }

    public static ElfImage Load(string path) => new(File.ReadAllBytes(path), path);

    /// <summary>Every (file, version) pair of .gnu.version_r, with where its vna_flags lie in the file.</summary>
    public List<ElfVersionNeed> VersionNeeds()
    {
        var result = new List<ElfVersionNeed>();
        foreach (var s in Sections)
        {
            if (s.Type != ShtGnuVerneed) continue;
            var strings = LinkedStrings(s);
            long entry = s.Offset;
            for (uint i = 0; i < s.Info; i++)   // sh_info = number of Verneed entries
            {
                Check(entry, 16, s, "Verneed");
                ushort count = U16(entry + 2);
                string file = String(strings, U32(entry + 4));
                long aux = entry + U32(entry + 8);
                for (int j = 0; j < count; j++)
                {
                    Check(aux, 16, s, "Vernaux");
                    result.Add(new ElfVersionNeed(file, String(strings, U32(aux + 8)), U16(aux + 4), checked((int)(aux + 4))));
                    uint nextAux = U32(aux + 12);
                    if (nextAux == 0) break;
                    aux += nextAux;
                }
                uint next = U32(entry + 12);
                if (next == 0) break;
                entry += next;
            }
        }
        return result;
    }

    /// <summary>The version names that .gnu.version_d defines (e.g. GLIBCXX_3.4.30 in libstdc++).</summary>
    public List<string> VersionDefinitions()
    {
        var result = new List<string>();
        foreach (var s in Sections)
        {
            if (s.Type != ShtGnuVerdef) continue;
            var strings = LinkedStrings(s);
            long entry = s.Offset;
            for (uint i = 0; i < s.Info; i++)   // sh_info = number of Verdef entries
            {
                Check(entry, 20, s, "Verdef");
                ushort count = U16(entry + 6);
                if (count > 0)
                {
                    long aux = entry + U32(entry + 12);
                    Check(aux, 8, s, "Verdaux");
                    result.Add(String(strings, U32(aux)));   // the first Verdaux names the version itself
                }
                uint next = U32(entry + 16);
                if (next == 0) break;
                entry += next;
            }
        }
        return result;
    }

    public ushort U16(long offset) => BinaryPrimitives.ReadUInt16LittleEndian(Bytes.AsSpan(checked((int)offset), 2));
    public uint U32(long offset) => BinaryPrimitives.ReadUInt32LittleEndian(Bytes.AsSpan(checked((int)offset), 4));
    public ulong U64(long offset) => BinaryPrimitives.ReadUInt64LittleEndian(Bytes.AsSpan(checked((int)offset), 8));
    public void WriteU16(long offset, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Bytes.AsSpan(checked((int)offset), 2), value);

    private List<ElfSection> ReadSections()
    {
        ulong shoff = U64(0x28);
        ushort shentsize = U16(0x3A);
        int shnum = U16(0x3C);
        if (shoff == 0) throw Bad("no section header table");
        if (shentsize < ShdrSize) throw Bad($"section header size {shentsize} < {ShdrSize}");
        if (shoff > (ulong)Bytes.Length) throw Bad($"section header table at {shoff} lies past the end ({Bytes.Length} bytes)");
        if (shnum == 0)   // extended numbering: the real count is section 0's sh_size
        {
            CheckRange((long)shoff, ShdrSize, "section header 0");
            shnum = checked((int)U64((long)shoff + 32));
        }
        CheckRange((long)shoff, (long)shnum * shentsize, "section header table");
        var list = new List<ElfSection>(shnum);
        for (int i = 0; i < shnum; i++)
        {
            long h = (long)shoff + (long)i * shentsize;
            var s = new ElfSection(i, U32(h), U32(h + 4), checked((long)U64(h + 24)), checked((long)U64(h + 32)), U32(h + 40), U32(h + 44));
            if (s.Type != 8 /* SHT_NOBITS */ && s.Type != 0) CheckRange(s.Offset, s.Size, $"section {i}");
            list.Add(s);
        }
        return list;
    }

    private ElfSection LinkedStrings(ElfSection s)
    {
        if (s.Link >= Sections.Count) throw Bad($"section {s.Index} links to section {s.Link}, past the {Sections.Count} sections");
        var strings = Sections[(int)s.Link];
        if (strings.Type != 3 /* SHT_STRTAB */) throw Bad($"section {s.Index} links to section {s.Link} of type {strings.Type:x}, not a string table");
        return strings;
    }

    private string String(ElfSection table, uint offset)
    {
        if (offset >= table.Size) throw Bad($"string offset {offset} past the end of string table {table.Index} ({table.Size} bytes)");
        var span = Bytes.AsSpan(checked((int)(table.Offset + offset)), checked((int)(table.Size - offset)));
        int end = span.IndexOf((byte)0);
        if (end < 0) throw Bad($"unterminated string at offset {offset} of string table {table.Index}");
        return Encoding.ASCII.GetString(span[..end]);
    }

    private void Check(long offset, long length, ElfSection s, string what)
    {
        if (offset < s.Offset || offset + length > s.Offset + s.Size)
            throw Bad($"{what} record at file offset {offset} lies outside section {s.Index} [{s.Offset}, {s.Offset + s.Size})");
    }

    private void CheckRange(long offset, long length, string what)
    {
        if (offset < 0 || length < 0 || offset + length > Bytes.Length)
            throw Bad($"{what} [{offset}, {offset + length}) lies outside the file ({Bytes.Length} bytes)");
    }

    private InvalidDataException Bad(string why) => new($"{Path}: {why}.");
}
