namespace Fleet.Inference.Model;

/// <summary>A model, tokenizer or configuration file that cannot be used; the message names the file, field and offset.</summary>
public sealed class ModelFormatException : IOException
{
    public ModelFormatException(string message)
        : base(message)
    {
    }

    public ModelFormatException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public ModelFormatException()
    {
    }
}
