using System.Text.Json;
using System.Text.Json.Serialization;

namespace EvalRunner.Generation;

/// <summary>Writes a provider URL as it is shown (<see cref="Redactor.ShowUrl"/>): no user info, no query values.</summary>
internal sealed class ShownUrlJsonConverter : JsonConverter<Uri>
{
    public override Uri? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetString() is { } text ? new Uri(text, UriKind.RelativeOrAbsolute) : null;

    public override void Write(Utf8JsonWriter writer, Uri value, JsonSerializerOptions options) => writer.WriteStringValue(Redactor.ShowUrl(value));
}
