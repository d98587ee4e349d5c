#:project ../src/CatPot/CatPot.csproj
#:property PublishAot=false
// Reads every *.extxyz / *.extxyz.gz file under the given folders (default /work/shared/data) with CatPot's
// reader and prints frame and atom counts and the time taken. Usage: dotnet run tools/check_extxyz_files.cs [dir...]
using System.Diagnostics;
using CatPot.IO;

string[] roots = args.Length > 0 ? args : ["/work/shared/data"];
int failures = 0;
foreach (var root in roots)
{
    var files = Directory.EnumerateFiles(root, "*.extxyz", SearchOption.AllDirectories)
        .Concat(Directory.EnumerateFiles(root, "*.extxyz.gz", SearchOption.AllDirectories))
        .Order(StringComparer.Ordinal);
    foreach (var file in files)
    {
        var sw = Stopwatch.StartNew();
        try
        {
            int frames = 0;
            long atoms = 0;
            using var reader = new ExtXyzReader(file);
            while (reader.TryRead(out var s)) { frames++; atoms += s.AtomCount; }
            Console.WriteLine($"{file}: {frames} frames, {atoms} atoms, {sw.Elapsed.TotalMilliseconds:F0} ms");
        }
        catch (StructureFormatException e)
        {
            failures++;
            Console.WriteLine($"FAILED {e.Message}");
        }
    }
}
return failures == 0 ? 0 : 1;
