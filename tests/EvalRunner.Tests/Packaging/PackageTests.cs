using System.IO.Compression;
using System.Reflection.Metadata;
using System.Text;
using System.Xml.Linq;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Packaging;

/// <summary>Packs the packages as a release does, reads what they carry, and installs them as a user would.</summary>
public sealed class PackageTests(PackedPackages packages) : IClassFixture<PackedPackages>
{
    private const string Url = "https://github.com/evalrunner/evalrunner";

    // The kind of a portable PDB's SourceLink record (https://github.com/dotnet/runtime/blob/main/docs/design/specs/PortablePdb-Metadata.md).
    private static readonly Guid SourceLinkKind = new("CC110556-A091-4D38-9FEC-25AB9A351A6A");

    [Fact(Timeout = 600000)]
    public async Task Each_package_carries_its_id_version_license_urls_commit_readme_description_and_symbols()
    {
        var packed = await packages.GetAsync(TestContext.Current.CancellationToken);

        Assert.Matches("^[0-9a-f]{40}$", packed.Commit);
        foreach (var id in PackedPackages.Ids)
        {
            var nupkg = Path.Combine(packed.Folder, $"{id}.{PackedPackages.Version}.nupkg");
            Assert.True(File.Exists(nupkg), $"{nupkg} was not packed: {string.Join(", ", Directory.GetFiles(packed.Folder).Select(Path.GetFileName))}");
            using var zip = ZipFile.OpenRead(nupkg);
            var metadata = Nuspec(zip, id);

            Assert.Equal(id, Text(metadata, "id"));
            Assert.Equal(PackedPackages.Version, Text(metadata, "version"));
            var license = Element(metadata, "license");
            Assert.Equal("expression", (string?)license.Attribute("type"));
            Assert.Equal("MIT", license.Value);
            Assert.Equal(Url, Text(metadata, "projectUrl"));
            var repository = Element(metadata, "repository");
            Assert.Equal("git", (string?)repository.Attribute("type"));
            Assert.Equal(Url, (string?)repository.Attribute("url"));
            Assert.Equal(packed.Commit, (string?)repository.Attribute("commit"));
            Assert.Equal("README.md", Text(metadata, "readme"));
            var readme = zip.GetEntry("README.md");
            Assert.NotNull(readme);
            using (var reader = new StreamReader(readme.Open()))
            {
                Assert.StartsWith($"# {id}\n", await reader.ReadToEndAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
            }

            var description = Text(metadata, "description");
            Assert.True(description.Length > 20 && description != "Package Description", $"{id}: description '{description}'");
            Assert.Contains("llm", Text(metadata, "tags").Split(' '));
            Assert.True(File.Exists(Path.ChangeExtension(nupkg, ".snupkg")), $"{id}: no .snupkg beside the .nupkg");
        }

        // The tool is a dotnet tool; the xunit front end depends on the engine of the same version.
        using (var cli = ZipFile.OpenRead(Path.Combine(packed.Folder, $"EvalRunner.Cli.{PackedPackages.Version}.nupkg")))
        {
            Assert.Equal("DotnetTool", (string?)Element(Element(Nuspec(cli, "EvalRunner.Cli"), "packageTypes"), "packageType").Attribute("name"));
            Assert.NotNull(cli.GetEntry("tools/net10.0/any/EvalRunner.Cli.dll"));
        }

        using (var xunit = ZipFile.OpenRead(Path.Combine(packed.Folder, $"EvalRunner.Xunit.{PackedPackages.Version}.nupkg")))
        {
            var dependencies = Nuspec(xunit, "EvalRunner.Xunit").Descendants().Where(e => e.Name.LocalName == "dependency").ToList();
            Assert.Contains(dependencies, d => (string?)d.Attribute("id") == "EvalRunner" && (string?)d.Attribute("version") == PackedPackages.Version);
        }

        // The engine's symbols point at this commit's sources on GitHub (SourceLink).
        using var symbols = ZipFile.OpenRead(Path.Combine(packed.Folder, $"EvalRunner.{PackedPackages.Version}.snupkg"));
        var pdb = symbols.GetEntry("lib/net10.0/EvalRunner.pdb");
        Assert.NotNull(pdb);
        var sourceLink = await SourceLinkAsync(pdb, TestContext.Current.CancellationToken);
        Assert.Contains($"https://raw.githubusercontent.com/evalrunner/evalrunner/{packed.Commit}/*", sourceLink, StringComparison.Ordinal);
    }

    [Fact(Timeout = 600000)]
    public async Task A_project_builds_against_the_local_packages_and_the_tool_installs_from_them_and_runs()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var packed = await packages.GetAsync(cancellationToken);
        using var dir = new TempDirectory();

        // The packages the repository's own restore fetched are in the machine's package folder: the project restores
        // its dependencies from there and EvalRunner from the local folder, and calls no package host. Packages it
        // extracts go to a folder of its own, so a later run never sees these test versions in the machine's cache.
        var machinePackages = (await PackedPackages.RunAsync("dotnet", ["nuget", "locals", "global-packages", "--list"], Repository.Root, cancellationToken))
            .StandardOutput.Trim()["global-packages:".Length..].Trim();
        Assert.True(Directory.Exists(machinePackages), machinePackages);
        dir.File("NuGet.config", $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(dir.Path, "nuget-packages")}" />
              </config>
              <packageSources>
                <clear />
                <add key="evalrunner-local" value="{packed.Folder}" />
                <add key="machine-packages" value="{machinePackages}" />
              </packageSources>
              <fallbackPackageFolders>
                <add key="machine-packages" value="{machinePackages}" />
              </fallbackPackageFolders>
            </configuration>
            """);
        // Nothing from folders above the temp folder applies.
        dir.File("Directory.Build.props", "<Project />");
        dir.File("Directory.Build.targets", "<Project />");
        dir.File("Directory.Packages.props", "<Project />");
        dir.File("Consumer/Consumer.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="EvalRunner" Version="{PackedPackages.Version}" />
                <PackageReference Include="EvalRunner.Xunit" Version="{PackedPackages.Version}" />
              </ItemGroup>
            </Project>
            """);
        dir.File("Consumer/Program.cs", """
            using EvalRunner;
            using EvalRunner.Suites;

            var suite = SuiteLoader.Load(args[0], Settings.FromEnvironment());
            Console.WriteLine($"loaded {suite.Name} with {typeof(EvalRunner.Xunit.EvalSuiteAttribute).Name}");
            """);
        var quickstart = Path.Combine(Repository.Root, "examples", "quickstart", "support.eval.yaml");

        await PackedPackages.RunAsync("dotnet", ["build", "Consumer", "-nodeReuse:false", "--nologo", "-v", "q"], dir.Path, cancellationToken);
        var consumer = await PackedPackages.RunAsync("dotnet", [Path.Combine(dir.Path, "Consumer", "bin", "Debug", "net10.0", "Consumer.dll"), quickstart], dir.Path, cancellationToken);

        Assert.Equal("loaded support-quickstart with EvalSuiteAttribute", consumer.StandardOutput.Trim());
        Assert.True(Directory.Exists(Path.Combine(dir.Path, "nuget-packages", "evalrunner", PackedPackages.Version)), "EvalRunner was not restored from the local folder");

        // The tool, as the README installs it from local packages.
        var tools = Path.Combine(dir.Path, "tools");
        await PackedPackages.RunAsync("dotnet", ["tool", "install", "--tool-path", tools, "--add-source", packed.Folder, "EvalRunner.Cli", "--version", PackedPackages.Version], dir.Path, cancellationToken);
        var evalrunner = Path.Combine(tools, OperatingSystem.IsWindows() ? "evalrunner.exe" : "evalrunner");
        var help = await PackedPackages.RunAsync(evalrunner, ["--help"], dir.Path, cancellationToken);
        var validate = await PackedPackages.RunAsync(evalrunner, ["validate", quickstart], dir.Path, cancellationToken);

        Assert.Contains("evalrunner [command] [options]", help.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("suite 'support-quickstart', 10 datapoints", validate.StandardOutput, StringComparison.Ordinal);
    }

    private static XElement Nuspec(ZipArchive zip, string id)
    {
        var entry = zip.Entries.Single(e => e.FullName == $"{id}.nuspec");
        using var stream = entry.Open();
        return Element(XDocument.Load(stream).Root!, "metadata");
    }

    private static XElement Element(XElement parent, string name) =>
        parent.Elements().SingleOrDefault(e => e.Name.LocalName == name) ?? throw new global::Xunit.Sdk.XunitException($"no <{name}> in <{parent.Name.LocalName}>");

    private static string Text(XElement parent, string name) => Element(parent, name).Value;

    private static async Task<string> SourceLinkAsync(ZipArchiveEntry pdb, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await using (var stream = pdb.Open())
        {
            await stream.CopyToAsync(buffer, cancellationToken);
        }

        buffer.Position = 0;
        using var provider = MetadataReaderProvider.FromPortablePdbStream(buffer);
        var reader = provider.GetMetadataReader();
        foreach (var handle in reader.CustomDebugInformation)
        {
            var information = reader.GetCustomDebugInformation(handle);
            if (reader.GetGuid(information.Kind) == SourceLinkKind)
            {
                return Encoding.UTF8.GetString(reader.GetBlobBytes(information.Value));
            }
        }

        return string.Empty;
    }
}
